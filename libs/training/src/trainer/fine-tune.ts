import {
  expectedShapes,
  initStateDict,
  readWeightsFile,
  validateStateDict,
  type Architecture,
  type StateDict,
} from '@repvgg/core';

const HEAD = /^(module\.)?linear\./;

/**
 * Starting weights for fine-tuning from an official-layout training checkpoint (.safetensors or
 * PyTorch .pth): every tensor except the classifier head, which is freshly initialized (seeded) for
 * this architecture's class count.
 */
export async function loadFineTuneWeights(
  path: string,
  arch: Architecture,
  seed: number,
): Promise<StateDict> {
  return fineTuneWeights((await readWeightsFile(path)).tensors, arch, seed);
}

export interface FineTuneOptions {
  /**
   * Keep the checkpoint's head when its shapes fit this architecture (continuing on the same
   * classes); a head of another class count is re-initialized either way.
   */
  readonly keepMatchingHead?: boolean;
}

/**
 * `tensors` with the head replaced by the seeded initialization (see `FineTuneOptions`). Every other
 * key and shape must match (a `StateDictMismatchError` names the first few that do not).
 */
export function fineTuneWeights(
  tensors: StateDict,
  arch: Architecture,
  seed: number,
  opts: FineTuneOptions = {},
): StateDict {
  const shapes = expectedShapes(arch, 'train');
  const head = [...tensors].filter(([key]) => HEAD.test(key));
  const headFits =
    head.length === 2 &&
    head.every(([key, t]) => shapes.get(key.replace(HEAD, 'linear.'))?.join() === t.shape.join());
  if (opts.keepMatchingHead === true && headFits) return validateStateDict(arch, tensors, 'train');
  const body: StateDict = new Map([...tensors].filter(([key]) => !HEAD.test(key)));
  for (const [key, t] of initStateDict(arch, seed)) {
    if (HEAD.test(key)) body.set(key, t);
  }
  return validateStateDict(arch, body, 'train');
}
