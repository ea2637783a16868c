import { describe, it, expect } from 'vitest';
import {
  addFlattened,
  addPacket,
  emptyPacket,
  flattenPacket,
  packetLayout,
  packetViews,
  unflattenPacket,
  PacketMismatchError,
  type GradientPacket,
} from './gradient-packet';

const packet = (scale: number): GradientPacket => ({
  grads: new Map([
    ['a', Float32Array.of(1, 2).map((v) => v * scale)],
    ['b', Float32Array.of(3).map((v) => v * scale)],
  ]),
  bnMean: new Map([['bn', Float32Array.of(0.5 * scale)]]),
  bnVar: new Map([['bn', Float32Array.of(2 * scale)]]),
  replicas: 1,
  samples: 8,
  lossSum: 4 * scale,
  correct: 3,
});

describe('gradient packets', () => {
  it('add key by key and count replicas, samples, loss and hits', () => {
    const sum = addPacket(addPacket(emptyPacket(), packet(1)), packet(2));
    expect(sum.grads.get('a')).toEqual(Float32Array.of(3, 6));
    expect(sum.bnVar.get('bn')).toEqual(Float32Array.of(6));
    expect([sum.replicas, sum.samples, sum.lossSum, sum.correct]).toEqual([2, 16, 12, 6]);
  });

  it('flatten for an all-reduce and come back identical', () => {
    const p = packet(1.5);
    const layout = packetLayout(p);
    const flat = flattenPacket(p, layout);
    expect(Array.from(flat)).toEqual([1.5, 3, 4.5, 0.75, 3, 1, 8, 6, 3]);
    expect(unflattenPacket(flat, layout)).toEqual(p);
  });

  it('flatten into a given buffer, add more packets there, and view it without a copy', () => {
    const layout = packetLayout(packet(1));
    const out = new Float32Array(9).fill(Number.NaN);
    expect(flattenPacket(packet(1), layout, out)).toBe(out);
    addFlattened(out, packet(0.1), layout);
    // the same float32 additions as flattening both and adding the arrays
    const a = flattenPacket(packet(1), layout);
    const b = flattenPacket(packet(0.1), layout);
    expect(out).toEqual(a.map((v, i) => v + b[i]));
    const views = packetViews(out, layout);
    expect(views).toEqual(unflattenPacket(out, layout));
    // views share the buffer: the next step's all-reduce overwrites them
    expect(views.grads.get('b')?.buffer).toBe(out.buffer);
    out[2] = 42;
    expect(views.grads.get('b')?.[0]).toBe(42);
    expect(() => flattenPacket(packet(1), layout, new Float32Array(8))).toThrow(
      PacketMismatchError,
    );
    expect(() => packetViews(new Float32Array(10), layout)).toThrow(PacketMismatchError);
  });

  it('refuse packets of another shape', () => {
    const p = packet(1);
    p.grads.set('a', Float32Array.of(1));
    expect(() => flattenPacket(p, packetLayout(packet(1)))).toThrow(PacketMismatchError);
    expect(() => addPacket(packet(1), p)).toThrow(PacketMismatchError);
  });
});
