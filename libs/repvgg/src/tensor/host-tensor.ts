/**
 * A tensor in host memory, in PyTorch layout (OIHW kernels, [out, in] linear weights).
 * This is the lingua franca of weights: safetensors I/O, initialization, re-parameterization and
 * exports all read and write it; the tfjs graph converts to HWIO at its boundary.
 */
export type HostTensor =
  | { readonly dtype: 'float32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'int64'; readonly shape: readonly number[]; readonly data: BigInt64Array };

/** Official state-dict: key (e.g. `stage1.0.rbr_dense.conv.weight`) → tensor. Insertion-ordered. */
export type StateDict = Map<string, HostTensor>;

export function f32(shape: readonly number[], data?: Float32Array): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const buf = data ?? new Float32Array(size);
  if (buf.length !== size) {
    throw new Error(
      `tensor data has ${buf.length} values but shape [${shape.join(', ')}] needs ${size}`,
    );
  }
  return { dtype: 'float32', shape: [...shape], data: buf };
}

/** The float32 data of a state-dict entry, or a thrown error naming the key. */
export function floatData(sd: StateDict, key: string): Float32Array {
  const t = sd.get(key);
  if (t === undefined) throw new Error(`state dict has no key ${key}`);
  if (t.dtype !== 'float32')
    throw new Error(`state dict key ${key} is ${t.dtype}, expected float32`);
  return t.data;
}
