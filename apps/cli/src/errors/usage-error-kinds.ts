import { InvalidArchSpecError, UnknownArchError } from '@repvgg/core/arch/arch.error';
import { DATA_PLANES, UnknownDataPlaneError } from '@repvgg/collective/data-plane';
import { BackendUnavailableError, UnknownBackendError } from '@repvgg/core/compute/backend.error';
import {
  BundleExistsError,
  BundleIntegrityError,
  BundleOptionsError,
  BundleReportError,
} from '@repvgg/core/export/bundle.error';
import { NpyFormatError } from '@repvgg/core/weights/npy.error';
import { PthFormatError } from '@repvgg/core/weights/pth.error';
import { SafetensorsFormatError } from '@repvgg/core/weights/safetensors.error';
import {
  StateDictMismatchError,
  UnknownStateDictKindError,
} from '@repvgg/core/weights/state-dict.error';
import { CheckpointError } from '@repvgg/training/checkpoint/checkpoint.error';
import { DatasetError } from '@repvgg/training/data/dataset.error';
import { BatchTooSmallError } from '@repvgg/training/step/step.error';
import { TrainingSetupError } from '@repvgg/training/trainer/training-setup.error';
import { UsageError } from './usage.error';

interface Kind {
  readonly matches: (err: unknown) => boolean;
  /** `<what is wrong>; <what to do>` for this error. */
  readonly describe: (err: Error) => string;
}

function kind<T extends Error>(
  type: abstract new (...args: never[]) => T,
  describe: (err: T) => string,
): Kind {
  return {
    matches: (err) => err instanceof type,
    describe: (err) => describe(err as T),
  };
}

/** Library messages that name the problem but not (after a `; `) what the CLI user should do. */
const withRemedy =
  (remedy: string) =>
  (err: Error): string =>
    err.message.includes('; ') ? err.message : `${err.message}; ${remedy}`;

const asIs = (err: Error): string => err.message;

const ARCH_JSON_HINT =
  'fix the file: {"numBlocks": [4 ints], "widthMultiplier": [4 numbers], optional "overrideGroupsMap": {"<layer>": groups} and "numClasses": N}';

/**
 * Library errors that mean "the user's input or flags are wrong" (exit 2) rather than "something
 * broke" (exit 1). Imported from their own files so that startup does not load tfjs.
 */
const USAGE_ERROR_KINDS: readonly Kind[] = [
  kind(UsageError, asIs),
  kind(
    UnknownArchError,
    (e) =>
      `unknown architecture "${e.requested}"; use one of ${e.validNames.join(', ')} (the "RepVGG-" prefix is optional) or --arch-file FILE`,
  ),
  kind(InvalidArchSpecError, withRemedy(ARCH_JSON_HINT)),
  kind(StateDictMismatchError, asIs),
  kind(UnknownStateDictKindError, asIs),
  kind(
    SafetensorsFormatError,
    withRemedy('pass a .safetensors or PyTorch .pth checkpoint (official RepVGG keys)'),
  ),
  kind(PthFormatError, asIs),
  kind(NpyFormatError, withRemedy('save the array with numpy.save as float32, C order')),
  kind(UnknownBackendError, withRemedy('use tensorflow, wasm or cpu')),
  kind(
    UnknownDataPlaneError,
    (err) =>
      `REPVGG_DATA_PLANE="${err.value}" is not a data plane; set it to ${DATA_PLANES.join(' or ')}, or unset it`,
  ),
  kind(BackendUnavailableError, asIs),
  kind(BundleIntegrityError, asIs),
  kind(BundleReportError, asIs),
  kind(
    BundleExistsError,
    (e) =>
      `bundle directory ${e.outDir} exists and is not empty; choose a new directory or pass --overwrite`,
  ),
  kind(BundleOptionsError, withRemedy('check --resize, --crop-size, --mean, --std, --class-names')),
  kind(DatasetError, asIs),
  kind(TrainingSetupError, asIs),
  kind(CheckpointError, asIs),
  kind(BatchTooSmallError, asIs),
];

/** The one-line description of a usage error, or undefined when `err` is not one. */
export function describeUsageError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  return USAGE_ERROR_KINDS.find((k) => k.matches(err))?.describe(err);
}
