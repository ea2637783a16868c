import { expandArch, type Architecture } from '@repvgg/core/arch/arch-spec';
import type { ModelKind } from '@repvgg/core/arch/cost';
import { parseArchSpecJson } from '@repvgg/core/arch/resolve-arch';
import type { StateDict } from '@repvgg/core/tensor/host-tensor';
import { detectStateDictKind, validateStateDict } from '@repvgg/core/weights/state-dict-layout';
import { readWeightsFile } from '@repvgg/core/weights/weights.file';
import { basename, extname } from 'node:path';
import { MissingArchError } from '../errors/usage.error';
import { archFromOptions, hasArch, type ArchOptions } from '../options/arch.options';
import { requireFile } from './paths';

/** The safetensors metadata key under which `repvgg init` records the architecture. */
export const ARCH_METADATA_KEY = 'arch';

export interface Checkpoint {
  readonly path: string;
  readonly arch: Architecture;
  readonly kind: ModelKind;
  /** Validated against `arch`: official key order, no `module.` prefix. */
  readonly stateDict: StateDict;
}

/**
 * Reads a checkpoint (training or deploy weights): .safetensors, or a PyTorch .pth such as the
 * official released files, told apart by content. The architecture comes from the flags, else from
 * the checkpoint's own metadata (written by `repvgg init`); official PyTorch checkpoints carry
 * none, so they need --arch.
 */
export async function readCheckpoint(path: string, opts: ArchOptions): Promise<Checkpoint> {
  requireFile('checkpoint', path);
  const { tensors, metadata } = await readWeightsFile(path);
  const kind = detectStateDictKind(tensors);
  const arch = checkpointArch(path, metadata, opts);
  return { path, arch, kind, stateDict: validateStateDict(arch, tensors, kind) };
}

function checkpointArch(
  path: string,
  metadata: Record<string, string>,
  opts: ArchOptions,
): Architecture {
  if (hasArch(opts)) return archFromOptions(opts);
  if (!(ARCH_METADATA_KEY in metadata)) throw new MissingArchError();
  const spec = parseArchSpecJson(metadata[ARCH_METADATA_KEY], basename(path, extname(path)));
  return expandArch(opts.classes === undefined ? spec : { ...spec, numClasses: opts.classes });
}
