export interface ClassScore {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
}

/** Numerically stable softmax of one row of logits. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] ?? -Infinity);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp((logits[i] ?? -Infinity) - max);
    sum += out[i] ?? 0;
  }
  return out.map((p) => p / sum);
}

/** The k most probable classes, best first; ties keep the lower class index first. */
export function topK(
  logits: ArrayLike<number>,
  k: number,
  classNames: readonly string[] = [],
): ClassScore[] {
  const probs = softmax(logits);
  return Array.from(probs, (probability, index) => ({ index, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k)
    .map(({ index, probability }) => ({
      index,
      label: classNames[index] ?? String(index),
      probability,
    }));
}
