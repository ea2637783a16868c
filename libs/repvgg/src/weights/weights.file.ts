import { readFile } from 'node:fs/promises';
import { decodePth, isPth } from './pth.codec';
import { PthFormatError } from './pth.error';
import type { DecodedSafetensors } from './safetensors.codec';
import { decodeSafetensorsFile } from './safetensors.file';

/**
 * Reads a weights file by its content, not its name: a PyTorch checkpoint (`torch.save` zip or
 * legacy pickle, e.g. the official released `RepVGG-A0-train.pth`) or a .safetensors file. A .pth
 * carries no metadata. Format errors name the path.
 */
export async function readWeightsFile(path: string): Promise<DecodedSafetensors> {
  const buf = await readFile(path);
  if (!isPth(buf)) return decodeSafetensorsFile(buf, path);
  try {
    return { tensors: decodePth(buf), metadata: {} };
  } catch (e) {
    if (e instanceof PthFormatError) throw new PthFormatError(e.problem, path);
    throw e;
  }
}
