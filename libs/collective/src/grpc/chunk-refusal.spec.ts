import { describe, expect, it } from 'vitest';
import { checkChunk, type ExpectedSender } from './chunk-refusal';
import { decodeChunk, encodeChunk, type ChunkMessage } from './collective.messages';

const expected: ExpectedSender = {
  job: 'job',
  generation: 4,
  rank: 2,
  tokenMatches: (t) => t === 'secret',
};
const good: ChunkMessage = {
  job: 'job',
  generation: 4,
  step: 9,
  seq: 0,
  phase: 'all-gather',
  chunk: 3,
  token: 'secret',
  fromRank: 2,
  payload: new Uint8Array(4),
};
const check = (m: Partial<ChunkMessage>): ReturnType<typeof checkChunk> =>
  checkChunk(decodeChunk(encodeChunk({ ...good, ...m })), expected);

describe('checkChunk', () => {
  it('accepts a chunk of the current generation from the expected rank', () => {
    expect(check({})).toEqual({ phase: 'all-gather' });
  });

  it.each([
    [{ job: 'other' }, 'job "other"'],
    [{ generation: 3 }, 'generation 3 instead of 4'],
    [{ generation: 5 }, 'generation 5 instead of 4'],
    [{ token: 'guess' }, 'bad generation token'],
    [{ fromRank: 1 }, 'sender claims rank 1'],
  ])('refuses %o', (change, reason) => {
    const result = check(change);
    expect('refused' in result && result.refused).toContain(reason);
  });

  it('refuses an unknown phase number', () => {
    const bytes = encodeChunk(good);
    const decoded = { ...decodeChunk(bytes), phase: undefined };
    expect(checkChunk(decoded, expected)).toEqual({ refused: 'unknown phase' });
  });
});
