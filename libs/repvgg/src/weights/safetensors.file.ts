import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { StateDict } from '../tensor/host-tensor';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors } from './safetensors.codec';
import { SafetensorsFormatError } from './safetensors.error';

/** Reads and validates a .safetensors file; format errors name the path. */
export async function readSafetensors(path: string): Promise<DecodedSafetensors> {
  return decodeSafetensorsFile(await readFile(path), path);
}

/** Decodes the bytes of the safetensors file at `path`; format errors name the path. */
export function decodeSafetensorsFile(buf: Uint8Array, path: string): DecodedSafetensors {
  try {
    return decodeSafetensors(buf);
  } catch (e) {
    if (e instanceof SafetensorsFormatError) {
      throw new SafetensorsFormatError(e.problem, path);
    }
    throw e;
  }
}

/**
 * Writes a .safetensors file atomically: to a temporary sibling, then renamed over the target, so
 * a crash mid-write (a worker killed during a checkpoint) never leaves a truncated file behind.
 */
export async function writeSafetensors(
  path: string,
  sd: StateDict,
  metadata?: Record<string, string>,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, encodeSafetensors(sd, metadata));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
