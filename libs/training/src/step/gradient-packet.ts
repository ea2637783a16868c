/**
 * Everything one or more replicas contribute to a step, as sums so that packets from any grouping of
 * replicas (threads, workers) add up to the same step: gradients of Σloss/B, and per BatchNorm the
 * micro-batch mean and unbiased variance, summed over replicas.
 */
export interface GradientPacket {
  readonly grads: Map<string, Float32Array>;
  readonly bnMean: Map<string, Float32Array>;
  readonly bnVar: Map<string, Float32Array>;
  replicas: number;
  samples: number;
  lossSum: number;
  correct: number;
}

export function emptyPacket(): GradientPacket {
  return {
    grads: new Map(),
    bnMean: new Map(),
    bnVar: new Map(),
    replicas: 0,
    samples: 0,
    lossSum: 0,
    correct: 0,
  };
}

function addInto(
  target: Map<string, Float32Array>,
  source: ReadonlyMap<string, Float32Array>,
): void {
  for (const [key, src] of source) {
    const dst = target.get(key);
    if (dst === undefined) {
      target.set(key, Float32Array.from(src));
      continue;
    }
    if (dst.length !== src.length) throw new PacketMismatchError(key, dst.length, src.length);
    for (let i = 0; i < dst.length; i++) dst[i] += src[i];
  }
}

/** Adds `source` into `target` (the local part of the "communicate: sum" between compute and apply). */
export function addPacket(target: GradientPacket, source: GradientPacket): GradientPacket {
  addInto(target.grads, source.grads);
  addInto(target.bnMean, source.bnMean);
  addInto(target.bnVar, source.bnVar);
  target.replicas += source.replicas;
  target.samples += source.samples;
  target.lossSum += source.lossSum;
  target.correct += source.correct;
  return target;
}

export class PacketMismatchError extends Error {
  constructor(key: string, a: number, b: number) {
    super(
      `gradient packets disagree on ${key} (${a} vs ${b} values): every replica must train the same architecture`,
    );
    this.name = 'PacketMismatchError';
  }
}

/** Keys and sizes of a packet's tensors in a fixed order, the same on every worker of a job. */
export interface PacketLayout {
  readonly grads: readonly (readonly [string, number])[];
  readonly bn: readonly (readonly [string, number])[];
}

const SCALARS = 4;

export function packetLayout(p: GradientPacket): PacketLayout {
  return {
    grads: [...p.grads].map(([k, v]) => [k, v.length] as const),
    bn: [...p.bnMean].map(([k, v]) => [k, v.length] as const),
  };
}

export function flatLength(layout: PacketLayout): number {
  const sum = (xs: PacketLayout['grads']): number => xs.reduce((a, [, n]) => a + n, 0);
  return sum(layout.grads) + 2 * sum(layout.bn) + SCALARS;
}

/**
 * One Float32Array for a collective's all-reduce: gradients, BN means, BN variances, then
 * replicas, samples, loss sum and correct count (integers stay exact below 2^24). `out` (of
 * `flatLength(layout)` values, e.g. the collective's reduce buffer) saves allocating one per step.
 */
export function flattenPacket(
  p: GradientPacket,
  layout: PacketLayout,
  out: Float32Array = new Float32Array(flatLength(layout)),
): Float32Array {
  eachTensor(p, layout, out, (v, o) => {
    out.set(v, o);
  });
  const s = out.length - SCALARS;
  out[s] = p.replicas;
  out[s + 1] = p.samples;
  out[s + 2] = p.lossSum;
  out[s + 3] = p.correct;
  return out;
}

/**
 * Adds `p` into `flat`, a flattened packet of the same layout, element by element in float32: the
 * same additions as summing the two flattened arrays.
 */
export function addFlattened(flat: Float32Array, p: GradientPacket, layout: PacketLayout): void {
  eachTensor(p, layout, flat, (v, o) => {
    for (let i = 0; i < v.length; i++) flat[o + i] += v[i];
  });
  const s = flat.length - SCALARS;
  flat[s] += p.replicas;
  flat[s + 1] += p.samples;
  flat[s + 2] += p.lossSum;
  flat[s + 3] += p.correct;
}

export function unflattenPacket(flat: Float32Array, layout: PacketLayout): GradientPacket {
  return packetOf(flat, layout, (o, n) => flat.slice(o, o + n));
}

/**
 * The packet in `flat` without a copy: its tensors are views into `flat`, valid only until `flat` is
 * written again (e.g. a reduce buffer by the next step's all-reduce), so apply it and let it go.
 */
export function packetViews(flat: Float32Array, layout: PacketLayout): GradientPacket {
  return packetOf(flat, layout, (o, n) => flat.subarray(o, o + n));
}

type PacketMap = 'grads' | 'bnMean' | 'bnVar';

/**
 * The flat layout's tensors in order — each with the packet map it belongs to, its key, offset and
 * length — after checking that `flat` has the layout's length.
 */
function eachSlot(
  layout: PacketLayout,
  flat: Float32Array,
  at: (map: PacketMap, key: string, offset: number, length: number) => void,
): void {
  if (flat.length !== flatLength(layout)) {
    throw new PacketMismatchError('(flat packet)', flatLength(layout), flat.length);
  }
  let o = 0;
  const walk = (map: PacketMap, entries: PacketLayout['grads']): void => {
    for (const [key, n] of entries) {
      at(map, key, o, n);
      o += n;
    }
  };
  walk('grads', layout.grads);
  walk('bnMean', layout.bn);
  walk('bnVar', layout.bn);
}

/** Calls `at` with each of `p`'s tensors and its offset in `flat`; a tensor of another size throws. */
function eachTensor(
  p: GradientPacket,
  layout: PacketLayout,
  flat: Float32Array,
  at: (v: Float32Array, offset: number) => void,
): void {
  eachSlot(layout, flat, (map, key, o, n) => {
    const v = p[map].get(key);
    if (v?.length !== n) throw new PacketMismatchError(key, n, v?.length ?? 0);
    at(v, o);
  });
}

/** A packet whose tensors are `part(offset, length)` of `flat` (copies or views). */
function packetOf(
  flat: Float32Array,
  layout: PacketLayout,
  part: (offset: number, length: number) => Float32Array,
): GradientPacket {
  const p = emptyPacket();
  eachSlot(layout, flat, (map, key, o, n) => {
    p[map].set(key, part(o, n));
  });
  const s = flat.length - SCALARS;
  p.replicas = flat[s];
  p.samples = flat[s + 1];
  p.lossSum = flat[s + 2];
  p.correct = flat[s + 3];
  return p;
}
