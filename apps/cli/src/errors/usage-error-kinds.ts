import { InvalidArchSpecError, UnknownArchError } from '@repvgg/core/arch/arch.error';
import { BackendUnavailableError, UnknownBackendError } from '@repvgg/core/compute/backend.error';
import { NpyFormatError } from '@repvgg/core/weights/npy.error';
import { SafetensorsFormatError } from '@repvgg/core/weights/safetensors.error';
import {
  StateDictMismatchError,
  UnknownStateDictKindError,
} from '@repvgg/core/weights/state-dict.error';
import { UsageError } from './usage.error';

/**
 * Library errors that mean "the user's input or flags are wrong" (exit 2) rather than "something
 * broke" (exit 1). Imported from their own files so that startup does not load tfjs.
 */
const USAGE_ERROR_TYPES: readonly (abstract new (...args: never[]) => Error)[] = [
  UsageError,
  UnknownArchError,
  InvalidArchSpecError,
  StateDictMismatchError,
  UnknownStateDictKindError,
  SafetensorsFormatError,
  NpyFormatError,
  UnknownBackendError,
  BackendUnavailableError,
];

export function isUsageError(err: unknown): err is Error {
  return USAGE_ERROR_TYPES.some((type) => err instanceof type);
}
