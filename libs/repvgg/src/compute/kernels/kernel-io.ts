import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { tf } from '../tf';

/** The backends our JS kernels run on; their tensors live in JS-visible memory. */
export type HostBackendName = 'cpu' | 'wasm';

/** The part of tfjs-backend-cpu's MathBackendCPU the kernels use. */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/**
 * Zero-copy float32 access to tensors on the cpu and wasm backends. On wasm, views alias the heap,
 * and growing the heap detaches them: allocate every output first, then take views.
 */
export class KernelIo {
  private readonly outputs: tf.TensorInfo[] = [];

  constructor(
    private readonly backendName: HostBackendName,
    private readonly backend: object,
  ) {}

  alloc(shape: number[]): tf.TensorInfo {
    let info: tf.TensorInfo;
    if (this.backendName === 'wasm') {
      info = (this.backend as BackendWasm).makeOutput(shape, 'float32');
    } else {
      const size = shape.reduce((a, b) => a * b, 1);
      info = (this.backend as CpuBackendLike).makeTensorInfo(
        shape,
        'float32',
        new Float32Array(size),
      );
    }
    this.outputs.push(info);
    return info;
  }

  view(info: tf.TensorInfo): Float32Array {
    if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
    if (this.backendName === 'wasm') {
      return (this.backend as BackendWasm).typedArrayFromHeap(info) as Float32Array;
    }
    const values = (this.backend as CpuBackendLike).data.get(info.dataId).values;
    if (!(values instanceof Float32Array)) throw new Error('cpu tensor has no float32 values');
    return values;
  }
}

/** Named inputs of a kernel, each required. */
export function required(inputs: tf.NamedTensorInfoMap, names: readonly string[]): tf.TensorInfo[] {
  return names.map((name) => {
    const t = inputs[name];
    if (t === undefined) throw new Error(`kernel input ${name} is missing`);
    return t;
  });
}
