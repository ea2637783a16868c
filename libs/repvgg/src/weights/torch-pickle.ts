import type { HostTensor } from '../tensor/host-tensor';
import { decodeElements, STORED_DTYPE_BYTES, type StoredDtype } from './element-decode';
import { PickleGlobal, type UnpickleHooks } from './pickle.reader';
import { PthFormatError } from './pth.error';

/** The storage classes torch.save names in persistent ids, by the element type we can read. */
const STORAGE_DTYPES: Readonly<Record<string, StoredDtype | undefined>> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  // Named so a checkpoint holding them still parses; reading one as a weight is refused.
  IntStorage: undefined,
  ShortStorage: undefined,
  CharStorage: undefined,
  ByteStorage: undefined,
  BoolStorage: undefined,
};

/** A storage named by a persistent id; its bytes are found by key (zip entry or legacy record). */
export class StorageRef {
  constructor(
    readonly className: string,
    readonly key: string,
    readonly numel: number,
    /** Legacy storage views: elements into the root storage. */
    readonly viewOffset = 0,
  ) {}
}

/** What `_rebuild_tensor_v2` describes: a strided view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

const isIntList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);

function rebuildTensor(args: readonly unknown[]): TensorRef {
  const [storage, offset, shape, stride] = args;
  if (
    !(storage instanceof StorageRef) ||
    !Number.isSafeInteger(offset) ||
    !isIntList(shape) ||
    !isIntList(stride) ||
    shape.length !== stride.length
  ) {
    throw new PthFormatError(
      'a tensor record (_rebuild_tensor_v2) is malformed: the file is corrupt',
    );
  }
  return new TensorRef(storage, (offset as number) + storage.viewOffset, shape, stride);
}

/** `_rebuild_parameter(data, requires_grad, hooks[, state])`: an nn.Parameter is its data here. */
function rebuildParameter(args: readonly unknown[]): TensorRef {
  const [data] = args;
  if (!(data instanceof TensorRef)) {
    throw new PthFormatError('a parameter record holds no tensor: the file is corrupt');
  }
  return data;
}

/**
 * The globals a state dict needs: containers, tensor and parameter rebuilds, storage classes.
 * Anything else (a pickled nn.Module, numpy, builtins like eval) is refused by name.
 */
export function torchGlobal(module: string, name: string): PickleGlobal {
  const qualified = `${module}.${name}`;
  switch (qualified) {
    case 'collections.OrderedDict':
      return new PickleGlobal(module, name, (args) => {
        if (args.length !== 0) {
          throw new PthFormatError('OrderedDict is built with arguments this reader does not take');
        }
        return new Map();
      });
    case 'torch._utils._rebuild_tensor_v2':
      return new PickleGlobal(module, name, rebuildTensor);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return new PickleGlobal(module, name, rebuildParameter);
  }
  if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name))
    return new PickleGlobal(module, name);
  throw new PthFormatError(
    `refuses the pickled global ${qualified}: only state dicts of tensors can be read; save model.state_dict()`,
  );
}

/**
 * Persistent ids: `('storage', cls, key, location, numel)` (zip format), plus a trailing
 * `view_metadata` of `(view_key, offset, size)` or None in the legacy format.
 */
export function storageFromPid(pid: unknown): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new PthFormatError('a persistent id is not a torch storage: the file is corrupt');
  }
  const [, cls, key, , numel, view] = pid as unknown[];
  if (!(cls instanceof PickleGlobal) || typeof key !== 'string' || !Number.isSafeInteger(numel)) {
    throw new PthFormatError('a torch storage id is malformed: the file is corrupt');
  }
  if (Array.isArray(view)) {
    const [, offset, size] = view as unknown[];
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size)) {
      throw new PthFormatError('a torch storage view is malformed: the file is corrupt');
    }
    return new StorageRef(cls.name, key, numel as number, offset as number);
  }
  return new StorageRef(cls.name, key, numel as number);
}

export const torchHooks: UnpickleHooks = {
  global: torchGlobal,
  persistentLoad: storageFromPid,
  build(target) {
    // OrderedDict state: module `_metadata` (versions), irrelevant to the tensors.
    if (!(target instanceof Map)) {
      throw new PthFormatError('the pickle sets state on an object this reader does not build');
    }
  },
};

/** Reads the storages' bytes once each, by key, and copies tensors out of them. */
export class StorageReader {
  private readonly decoded = new Map<string, Float32Array | BigInt64Array>();

  constructor(private readonly bytesOf: (key: string) => Uint8Array | undefined) {}

  tensor(name: string, t: TensorRef): HostTensor {
    const dtype = STORAGE_DTYPES[t.storage.className];
    if (dtype === undefined) {
      throw new PthFormatError(
        `tensor ${name} is a torch.${t.storage.className.replace('Storage', '')} tensor; weights must be floating point (int64 for BN counters)`,
      );
    }
    const flat = this.storage(t.storage.key, dtype, name);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const last = t.offset + t.shape.reduce((a, d, i) => a + (d - 1) * (t.stride[i] ?? 0), 0);
    if (numel > 0 && (t.offset < 0 || last >= flat.length)) {
      throw new PthFormatError(
        `tensor ${name} reaches past the end of its storage: the file is corrupt`,
      );
    }
    const data = gather(flat, t, numel);
    return data instanceof BigInt64Array
      ? { dtype: 'int64', shape: [...t.shape], data }
      : { dtype: 'float32', shape: [...t.shape], data };
  }

  private storage(key: string, dtype: StoredDtype, name: string): Float32Array | BigInt64Array {
    let flat = this.decoded.get(key);
    if (flat === undefined) {
      const bytes = this.bytesOf(key);
      if (bytes === undefined) {
        throw new PthFormatError(
          `the storage of tensor ${name} (record ${key}) is missing: the file is truncated`,
        );
      }
      const whole = bytes.length - (bytes.length % STORED_DTYPE_BYTES[dtype]);
      flat = decodeElements(dtype, bytes.subarray(0, whole));
      this.decoded.set(key, flat);
    }
    return flat;
  }
}

/** Copies a strided view into a fresh contiguous row-major array. */
function gather<T extends Float32Array | BigInt64Array>(flat: T, t: TensorRef, numel: number): T {
  const rank = t.shape.length;
  const contiguous = t.shape.every((_, i) => {
    const inner = t.shape.slice(i + 1).reduce((a, b) => a * b, 1);
    return t.shape[i] === 1 || t.stride[i] === inner;
  });
  if (contiguous) return flat.slice(t.offset, t.offset + numel) as T;
  const out = new (flat.constructor as new (n: number) => T)(numel);
  const index = new Int32Array(rank);
  let src = t.offset;
  for (let i = 0; i < numel; i++) {
    out[i] = flat[src];
    // odometer over the shape, moving `src` by the strides
    for (let d = rank - 1; d >= 0; d--) {
      const stride = t.stride[d] ?? 0;
      const size = t.shape[d] ?? 1;
      if (++index[d] < size) {
        src += stride;
        break;
      }
      src -= stride * (size - 1);
      index[d] = 0;
    }
  }
  return out;
}
