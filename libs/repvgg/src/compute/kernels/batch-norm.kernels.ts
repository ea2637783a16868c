import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import {
  addRelu,
  batchNormBackward,
  batchNormForward,
  BN_BACKWARD_F64,
  BN_FORWARD_F64,
  reluBackward,
  type BnPasses,
} from './batch-norm.math';
import { KernelIo, required, type HostBackendName } from './kernel-io';
import { addReluWasm, reluBackwardWasm, trainKernels } from './simd/train-kernels';
import { wasmBnPasses } from './simd/wasm-bn-passes';

/**
 * BatchNorm with batch statistics and the block's add+ReLU as single-pass JS kernels on the cpu and
 * wasm backends. Composed from tfjs ops, BN training costs about ten passes forward and twenty
 * backward, and on wasm every per-channel reduction over N·H·W transposes its input first.
 */
export const BN_TRAIN = 'RepvggBatchNormTrain';
export const BN_TRAIN_GRAD = 'RepvggBatchNormTrainGrad';
export const ADD_RELU = 'RepvggAddRelu';
export const RELU_GRAD = 'RepvggReluGrad';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}

function epsOf(attrs: tf.NamedAttrMap | undefined): number {
  const eps = attrs?.eps;
  if (typeof eps !== 'number') throw new Error('BatchNorm kernels need a numeric eps attribute');
  return eps;
}

/**
 * Runs `run` with BatchNorm's passes: on wasm with an even channel count in SIMD (two channels per
 * instruction, the same bits: simd/wasm-bn-passes.spec.ts), otherwise the JavaScript loops
 * (`undefined`). The SIMD passes' heap scratch is allocated first, so allocate the outputs before
 * and take heap views inside `run`.
 */
function withBnPasses(
  name: HostBackendName,
  backend: object,
  channels: number,
  f64Count: number,
  run: (passes: BnPasses | undefined) => void,
): void {
  if (name !== 'wasm' || channels % 2 !== 0) {
    run(undefined);
    return;
  }
  const simd = wasmBnPasses(backend as BackendWasm, f64Count);
  try {
    run(simd.passes);
  } finally {
    simd.free();
  }
}

function bnTrainKernel(name: HostBackendName) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const [x, gamma, beta] = required(inputs, ['x', 'gamma', 'beta']) as [
      tf.TensorInfo,
      tf.TensorInfo,
      tf.TensorInfo,
    ];
    const io = new KernelIo(name, backend);
    const c = gamma.shape[0] ?? 0;
    const y = io.alloc([...x.shape]);
    const mean = io.alloc([c]);
    const variance = io.alloc([c]);
    withBnPasses(name, backend, c, BN_FORWARD_F64(c), (passes) => {
      batchNormForward(
        io.view(x),
        io.view(gamma),
        io.view(beta),
        epsOf(attrs),
        io.view(y),
        io.view(mean),
        io.view(variance),
        passes,
      );
    });
    return [y, mean, variance];
  };
}

function bnTrainGradKernel(name: HostBackendName) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const [dy, x, mean, variance, gamma] = required(inputs, [
      'dy',
      'x',
      'mean',
      'variance',
      'gamma',
    ]) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    const io = new KernelIo(name, backend);
    const c = gamma.shape[0] ?? 0;
    const dx = io.alloc([...x.shape]);
    const dgamma = io.alloc([c]);
    const dbeta = io.alloc([c]);
    withBnPasses(name, backend, c, BN_BACKWARD_F64(c), (passes) => {
      batchNormBackward(
        io.view(dy),
        io.view(x),
        io.view(mean),
        io.view(variance),
        io.view(gamma),
        epsOf(attrs),
        io.view(dx),
        io.view(dgamma),
        io.view(dbeta),
        passes,
      );
    });
    return [dx, dgamma, dbeta];
  };
}

function addReluKernel(name: HostBackendName) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo => {
    const terms = Object.keys(inputs)
      .sort()
      .flatMap((k) => required(inputs, [k]));
    if (terms.length === 0) throw new Error(`${ADD_RELU} needs inputs`);
    const io = new KernelIo(name, backend);
    const y = io.alloc([...terms[0].shape]);
    const views = terms.map((t) => io.view(t));
    if (name === 'wasm') addReluWasm(trainKernels(backend as BackendWasm), views, io.view(y));
    else addRelu(views, io.view(y));
    return y;
  };
}

function reluGradKernel(name: HostBackendName) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo => {
    const [dy, y] = required(inputs, ['dy', 'y']) as [tf.TensorInfo, tf.TensorInfo];
    const io = new KernelIo(name, backend);
    const dx = io.alloc([...dy.shape]);
    // wasm: the same arithmetic in SIMD on the heap, bit for bit (simd/train-kernels.spec.ts)
    if (name === 'wasm') {
      reluBackwardWasm(trainKernels(backend as BackendWasm), io.view(dy), io.view(y), io.view(dx));
    } else {
      reluBackward(io.view(dy), io.view(y), io.view(dx));
    }
    return dx;
  };
}

export function hostKernelConfigs(): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [];
  for (const backendName of ['cpu', 'wasm'] as const) {
    const kernels: [string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]][] = [
      [BN_TRAIN, bnTrainKernel(backendName)],
      [BN_TRAIN_GRAD, bnTrainGradKernel(backendName)],
      [ADD_RELU, addReluKernel(backendName)],
      [RELU_GRAD, reluGradKernel(backendName)],
    ];
    for (const [kernelName, kernelFunc] of kernels) {
      configs.push({ kernelName, backendName, kernelFunc: kernelFunc });
    }
  }
  return configs;
}

/** The gradient of a kernel's first output (the only differentiated one). */
function firstDy(dys: tf.Tensor | tf.Tensor[], kernel: string): tf.Tensor {
  // The engine passes null for outputs no gradient reached.
  const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor | null | undefined;
  if (dy == null) throw new Error(`${kernel} gradient needs dy`);
  return dy;
}

/** Only y is differentiated: the batch statistics feed running averages, not the loss. */
export const bnTrainGradConfig: tf.GradConfig = {
  kernelName: BN_TRAIN,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dy = firstDy(dys, BN_TRAIN);
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel<tf.Tensor[]>(BN_TRAIN_GRAD, { dy, x, mean, variance, gamma }, attrs) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};

/** Every summand gets the same masked gradient; clones, because the engine disposes each one. */
export const addReluGradConfig: tf.GradConfig = {
  kernelName: ADD_RELU,
  outputsToSave: [true],
  gradFunc: (dys, saved) => {
    const [y] = saved as [tf.Tensor];
    const masked = tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy: firstDy(dys, ADD_RELU), y });
    return { a: () => masked, b: () => masked.clone(), c: () => masked.clone() };
  },
};
