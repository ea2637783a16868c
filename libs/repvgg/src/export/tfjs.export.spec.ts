import { describe, expect, it } from 'vitest';
import { shardBytes } from './tfjs.export';

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe('shardBytes', () => {
  it('cuts the concatenation into consecutive chunks, letting a tensor straddle two shards', () => {
    const shards = shardBytes([bytes(1, 2, 3), bytes(4, 5), bytes(6, 7, 8, 9, 10)], 4);
    expect(shards.map((s) => Array.from(s))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
  });

  it('spans a tensor larger than a shard over several shards', () => {
    const big = Uint8Array.from({ length: 10 }, (_, i) => i);
    const shards = shardBytes([big], 3);
    expect(shards.map((s) => s.byteLength)).toEqual([3, 3, 3, 1]);
    expect(Array.from(shards.flatMap((s) => Array.from(s)))).toEqual(Array.from(big));
  });

  it('writes one exact-size shard when everything fits and none for no weights', () => {
    expect(shardBytes([bytes(1, 2), bytes(3, 4)], 4).map((s) => Array.from(s))).toEqual([
      [1, 2, 3, 4],
    ]);
    expect(shardBytes([], 4)).toEqual([]);
  });
});
