import {
  initStateDict,
  readSafetensors,
  validateStateDict,
  type Architecture,
  type StateDict,
} from '@repvgg/core';

const HEAD = /^(module\.)?linear\./;

/**
 * Starting weights for fine-tuning: every tensor of an official-layout training checkpoint except the
 * classifier head, which is freshly initialized (seeded) for this architecture's class count. Every
 * other key and shape must match (a `StateDictMismatchError` names the first few that do not).
 */
export async function loadFineTuneWeights(
  path: string,
  arch: Architecture,
  seed: number,
): Promise<StateDict> {
  const { tensors } = await readSafetensors(path);
  const body: StateDict = new Map([...tensors].filter(([key]) => !HEAD.test(key)));
  for (const [key, t] of initStateDict(arch, seed)) {
    if (HEAD.test(key)) body.set(key, t);
  }
  return validateStateDict(arch, body, 'train');
}
