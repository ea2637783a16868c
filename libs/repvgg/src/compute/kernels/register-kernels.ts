import { tf } from '../tf';
import { addReluGradConfig, bnTrainGradConfig, hostKernelConfigs } from './batch-norm.kernels';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.wasm';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.wasm';
import { identityWasmConfig } from './identity.wasm';
import { winogradConvWasmConfig, winogradFilterWasmConfig } from './winograd-conv.wasm';

let registered = false;

function lookup(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  // getKernel is typed as always finding one but returns undefined when none is registered.
  const kernel: tf.KernelConfig | undefined = tf.getKernel(kernelName, backendName);
  return kernel;
}

/** Replaces a built-in wasm kernel with ours, which falls back to it (and keeps its setup). */
function replaceWasmKernel(
  kernelName: string,
  ours: (builtIn: tf.KernelFunc) => tf.KernelConfig,
): void {
  const builtIn = lookup(kernelName, 'wasm');
  if (builtIn === undefined) return;
  tf.unregisterKernel(kernelName, 'wasm');
  const config = ours(builtIn.kernelFunc);
  tf.registerKernel(
    builtIn.setupFunc === undefined ? config : { ...config, setupFunc: builtIn.setupFunc },
  );
}

/**
 * Registers, once per process, the kernels that tfjs lacks or runs slowly: for training, wasm
 * Conv2DBackpropFilter and Conv2DBackpropInput, a wasm Identity that shares its input's buffer
 * instead of copying it, and our fused BatchNorm/add-ReLU kernels on cpu and wasm; for inference,
 * the wasm Winograd 3×3 convolution and its filter transform. Kernels someone else already
 * registered are left alone.
 */
export function registerKernels(): void {
  if (registered) return;
  registered = true;
  // wasm's scalar-loop Conv2DBackpropInput (kept for NCHW) and its copying Identity (kept for strings)
  replaceWasmKernel('Conv2DBackpropInput', conv2dBackpropInputWasmConfig);
  replaceWasmKernel('Identity', identityWasmConfig);
  const ours = [
    conv2dBackpropFilterWasmConfig,
    winogradFilterWasmConfig,
    winogradConvWasmConfig,
    ...hostKernelConfigs(),
  ];
  for (const config of ours) {
    if (lookup(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
  for (const grad of [bnTrainGradConfig, addReluGradConfig]) {
    const existing = tf.getGradient(grad.kernelName) as tf.GradConfig | undefined;
    if (existing === undefined) tf.registerGradient(grad);
  }
}
