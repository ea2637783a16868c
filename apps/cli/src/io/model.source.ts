import { expandArch, type Architecture } from '@repvgg/core/arch/arch-spec';
import type { ModelKind } from '@repvgg/core/arch/cost';
import type { BundleReport } from '@repvgg/core/export/bundle-report';
import type { StateDict } from '@repvgg/core/tensor/host-tensor';
import { validateStateDict } from '@repvgg/core/weights/state-dict-layout';
import { existsSync } from 'node:fs';
import { MissingFileError } from '../errors/usage.error';
import { archFromOptions, hasArch, type ArchOptions } from '../options/arch.options';
import { readCheckpoint } from './checkpoint.source';
import { isDirectory } from './paths';

export interface ModelSource {
  readonly path: string;
  readonly arch: Architecture;
  readonly kind: ModelKind;
  readonly stateDict: StateDict;
  /** Present when the model is a deploy bundle. */
  readonly report?: BundleReport;
}

/**
 * A model given as a checkpoint file (.safetensors or PyTorch .pth) or a deploy bundle directory. A bundle names its own
 * architecture; flags, when given, must agree with its weights.
 */
export async function openModel(path: string, opts: ArchOptions): Promise<ModelSource> {
  if (!existsSync(path)) throw new MissingFileError('model', path);
  if (!isDirectory(path)) return readCheckpoint(path, opts);
  return openBundle(path, opts);
}

export interface BundleSource extends ModelSource {
  readonly report: BundleReport;
}

export async function openBundle(dir: string, opts: ArchOptions = {}): Promise<BundleSource> {
  // The bundle reader pulls in tfjs (its writer measures the exports), so it loads on demand.
  const { readBundle } = await import('@repvgg/core/export/bundle');
  const bundle = await readBundle(dir);
  const { spec } = bundle.arch;
  const arch = hasArch(opts)
    ? archFromOptions(opts)
    : opts.classes === undefined
      ? bundle.arch
      : expandArch({ ...spec, numClasses: opts.classes }, bundle.arch.inputChannels);
  return {
    path: dir,
    arch,
    kind: 'deploy',
    stateDict:
      arch === bundle.arch ? bundle.deploySd : validateStateDict(arch, bundle.deploySd, 'deploy'),
    report: bundle.report,
  };
}
