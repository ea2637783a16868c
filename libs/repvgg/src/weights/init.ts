import type { Architecture } from '../arch/arch-spec';
import { f32, type HostTensor, type StateDict } from '../tensor/host-tensor';
import { Rng } from '../tensor/rng';
import { expectedShapes } from './state-dict-layout';

/**
 * A training state dict initialized as PyTorch's default `reset_parameters` does (the official
 * RepVGG adds no custom init): Conv2d kaiming_uniform(a=√5), i.e. U(±1/√fan_in) with
 * fan_in = Cin/g·k²; Linear weight and bias U(±1/√in); BatchNorm γ=1, β=0, μ=0, σ²=1, counter 0.
 * Tensors are drawn in official key order from one seeded stream, so a seed fixes the model.
 */
export function initStateDict(arch: Architecture, seed: number): StateDict {
  const rng = new Rng(seed);
  const sd: StateDict = new Map();
  for (const [key, shape] of expectedShapes(arch, 'train')) {
    sd.set(key, initTensor(key, shape, rng, arch.head.inFeatures));
  }
  return sd;
}

function initTensor(key: string, shape: number[], rng: Rng, linearIn: number): HostTensor {
  if (key.endsWith('.num_batches_tracked')) {
    return { dtype: 'int64', shape: [], data: new BigInt64Array(1) };
  }
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (key.endsWith('.conv.weight')) {
    const fanIn = (shape[1] ?? 1) * (shape[2] ?? 1) * (shape[3] ?? 1);
    fillUniform(data, 1 / Math.sqrt(fanIn), rng);
  } else if (key === 'linear.weight' || key === 'linear.bias') {
    fillUniform(data, 1 / Math.sqrt(linearIn), rng);
  } else if (key.endsWith('.weight') || key.endsWith('.running_var')) {
    data.fill(1);
  }
  return f32(shape, data);
}

function fillUniform(data: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
}
