/** One gradient bucket: parameters (key, values) laid out one after another. */
export interface GradientBucket {
  readonly entries: readonly (readonly [string, number])[];
  /** Values in the bucket (the sum of its entries'). */
  readonly length: number;
}

/**
 * How a replica's packet travels in parts so that all-reducing can start before backward ends:
 * part 0 is the tail (BatchNorm statistics and the step's scalars, known once forward is done),
 * parts 1…K the gradient buckets in the order backward finishes them (the head's first, the stem's
 * last), as PyTorch DDP buckets them. Every member derives the same plan from the same
 * architecture, so the parts of a step line up across members.
 */
export interface BucketPlan {
  readonly buckets: readonly GradientBucket[];
  /** BatchNorm prefixes and channel counts, in the tail's order (means, then variances). */
  readonly bn: readonly (readonly [string, number])[];
}

/** The tail's scalars after the BN means and variances: replicas, samples, loss sum, correct. */
export const TAIL_SCALARS = 4;

/** Default bucket size: the smallest a bucket is closed at (whole blocks, so it may be larger). */
export const DEFAULT_BUCKET_BYTES = 128 * 1024;

/** `stage1.0.rbr_dense.conv.weight` → `stage1.0`, `linear.weight` → `linear`: the layer a key is in. */
export function layerOf(key: string): string {
  const parts = key.split('.');
  const [first, second] = [parts[0], parts.at(1)];
  return second !== undefined && /^\d+$/.test(second) ? `${first}.${second}` : first;
}

/**
 * Buckets of whole layers, walked from the last layer to the first (the order backward completes
 * them), each closed once it holds at least `minBytes` of float32 values. `params` lists the
 * trainable tensors in forward order (as `trainableVariables` and `TrainState.params` do).
 */
export function planBuckets(
  params: Iterable<readonly [string, number]>,
  bn: Iterable<readonly [string, number]>,
  minBytes: number = DEFAULT_BUCKET_BYTES,
): BucketPlan {
  if (!(minBytes > 0)) throw new RangeError(`bucket size must be positive, got ${minBytes}`);
  const layers: (readonly [string, number])[][] = [];
  let last: string | undefined;
  for (const entry of params) {
    const layer = layerOf(entry[0]);
    if (layer !== last) layers.push([]);
    layers[layers.length - 1].push(entry);
    last = layer;
  }
  const buckets: GradientBucket[] = [];
  let open: (readonly [string, number])[] = [];
  let values = 0;
  for (const layer of layers.reverse()) {
    open.push(...layer);
    values += layer.reduce((s, [, n]) => s + n, 0);
    if (4 * values >= minBytes) {
      buckets.push({ entries: open, length: values });
      open = [];
      values = 0;
    }
  }
  if (open.length > 0) buckets.push({ entries: open, length: values });
  return { buckets, bn: [...bn] };
}

/** Values in the tail part: BN means, BN variances, then the scalars. */
export function tailLength(plan: BucketPlan): number {
  return 2 * plan.bn.reduce((s, [, n]) => s + n, 0) + TAIL_SCALARS;
}

/** Parts of a replica's packet: the tail, then every bucket. */
export function partCount(plan: BucketPlan): number {
  return 1 + plan.buckets.length;
}

/** Where each parameter's gradient goes: its bucket's part number and its offset in that part. */
export function gradientSlots(plan: BucketPlan): Map<string, { part: number; offset: number }> {
  const slots = new Map<string, { part: number; offset: number }>();
  plan.buckets.forEach((bucket, b) => {
    let offset = 0;
    for (const [key, n] of bucket.entries) {
      slots.set(key, { part: b + 1, offset });
      offset += n;
    }
  });
  return slots;
}
