export interface FusedEntry {
  key: string;
  offset: number;
  length: number;
}

/** Where each named tensor lives in the flat buffer; identical on every member for the same model. */
export interface FusedLayout {
  entries: readonly FusedEntry[];
  length: number;
}

export function fusedLayout(tensors: ReadonlyMap<string, { length: number }>): FusedLayout {
  const entries: FusedEntry[] = [];
  let offset = 0;
  for (const [key, t] of tensors) {
    entries.push({ key, offset, length: t.length });
    offset += t.length;
  }
  return { entries, length: offset };
}

/**
 * Copies many tensors into one flat buffer so a step needs one all-reduce, not one per tensor.
 * Pass `into` to reuse a buffer across steps.
 */
export function fuseTensors(
  tensors: ReadonlyMap<string, Float32Array>,
  layout: FusedLayout = fusedLayout(tensors),
  into: Float32Array = new Float32Array(layout.length),
): Float32Array {
  if (into.length !== layout.length) {
    throw new RangeError(`fused buffer has ${into.length} elements, layout needs ${layout.length}`);
  }
  for (const { key, offset, length } of layout.entries) {
    const t = tensors.get(key);
    if (t?.length !== length) {
      throw new RangeError(`tensor "${key}" is missing or not ${length} elements long`);
    }
    into.set(t, offset);
  }
  return into;
}

/** Views (not copies) into the fused buffer, by key. */
export function splitFused(buffer: Float32Array, layout: FusedLayout): Map<string, Float32Array> {
  if (buffer.length !== layout.length) {
    throw new RangeError(
      `fused buffer has ${buffer.length} elements, layout needs ${layout.length}`,
    );
  }
  return new Map(
    layout.entries.map(({ key, offset, length }) => [
      key,
      buffer.subarray(offset, offset + length),
    ]),
  );
}
