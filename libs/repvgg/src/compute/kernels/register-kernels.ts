import { tf } from '../tf';
import { addReluGradConfig, bnTrainGradConfig, hostKernelConfigs } from './batch-norm.kernels';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.wasm';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.wasm';

let registered = false;

function lookup(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  // getKernel is typed as always finding one but returns undefined when none is registered.
  const kernel: tf.KernelConfig | undefined = tf.getKernel(kernelName, backendName);
  return kernel;
}

/** Replaces wasm's scalar-loop Conv2DBackpropInput, keeping it (and its setup) for NCHW. */
function replaceWasmBackpropInput(): void {
  const builtIn = lookup('Conv2DBackpropInput', 'wasm');
  if (builtIn === undefined) return;
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  const ours = conv2dBackpropInputWasmConfig(builtIn.kernelFunc);
  tf.registerKernel(
    builtIn.setupFunc === undefined ? ours : { ...ours, setupFunc: builtIn.setupFunc },
  );
}

/**
 * Registers, once per process, the kernels training needs that tfjs lacks or runs slowly:
 * wasm Conv2DBackpropFilter and Conv2DBackpropInput on XNNPACK, and our fused BatchNorm/add-ReLU
 * kernels on cpu and wasm. Kernels someone else already registered are left alone.
 */
export function registerKernels(): void {
  if (registered) return;
  registered = true;
  replaceWasmBackpropInput();
  for (const config of [conv2dBackpropFilterWasmConfig(), ...hostKernelConfigs()]) {
    if (lookup(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
  for (const grad of [bnTrainGradConfig, addReluGradConfig]) {
    const existing = tf.getGradient(grad.kernelName) as tf.GradConfig | undefined;
    if (existing === undefined) tf.registerGradient(grad);
  }
}
