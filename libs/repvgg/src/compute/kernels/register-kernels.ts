import { tf } from '../tf';
import { addReluGradConfig, bnTrainGradConfig, hostKernelConfigs } from './batch-norm.kernels';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.wasm';

let registered = false;

/**
 * Registers the kernels training needs that tfjs lacks (wasm Conv2DBackpropFilter) and our fused
 * BatchNorm/add-ReLU kernels, once per process. Kernels already present are left alone, as tfjs
 * warns on re-registration.
 */
export function registerKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of [conv2dBackpropFilterWasmConfig(), ...hostKernelConfigs()]) {
    const existing = tf.getKernel(config.kernelName, config.backendName) as
      tf.KernelConfig | undefined;
    if (existing === undefined) tf.registerKernel(config);
  }
  for (const grad of [bnTrainGradConfig, addReluGradConfig]) {
    const existing = tf.getGradient(grad.kernelName) as tf.GradConfig | undefined;
    if (existing === undefined) tf.registerGradient(grad);
  }
}
