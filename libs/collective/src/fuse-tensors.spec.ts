import { describe, expect, it } from 'vitest';
import { fusedLayout, fuseTensors, splitFused } from './fuse-tensors';

describe('fuseTensors', () => {
  const tensors = new Map([
    ['a.weight', new Float32Array([1, 2, 3])],
    ['a.bias', new Float32Array([4])],
    ['b', new Float32Array([5, 6])],
  ]);

  it('packs in key order and splits back into views', () => {
    const layout = fusedLayout(tensors);
    const flat = fuseTensors(tensors, layout);
    expect(Array.from(flat)).toEqual([1, 2, 3, 4, 5, 6]);
    const parts = splitFused(flat, layout);
    expect(Array.from(parts.get('b') ?? [])).toEqual([5, 6]);
    flat[3] = 40;
    expect(parts.get('a.bias')?.[0]).toBe(40);
  });

  it('refuses a tensor of the wrong size or a wrong buffer', () => {
    const layout = fusedLayout(tensors);
    const wrong = new Map(tensors).set('b', new Float32Array(3));
    expect(() => fuseTensors(wrong, layout)).toThrow(/"b"/);
    expect(() => splitFused(new Float32Array(5), layout)).toThrow(RangeError);
  });
});
