import { expandArch, type Architecture } from '@repvgg/core/arch/arch-spec';
import { InvalidArchSpecError } from '@repvgg/core/arch/arch.error';
import { parseArchSpecJson, resolveArch } from '@repvgg/core/arch/resolve-arch';
import type { JobSpec } from '@repvgg/contracts';

/**
 * The job's architecture with the dataset's class count, resolved exactly as the coordinator's
 * finalizer does so that the worker's checkpoints fuse there.
 */
export function jobArchitecture(
  architecture: JobSpec['architecture'],
  numClasses: number,
): Architecture {
  if (typeof architecture === 'string') return resolveArch({ arch: architecture }, { numClasses });
  if (architecture.numClasses !== undefined && architecture.numClasses !== numClasses) {
    throw new InvalidArchSpecError(
      'job spec',
      'architecture.numClasses',
      `is ${architecture.numClasses} but the dataset has ${numClasses} classes: remove it or fix it`,
    );
  }
  return expandArch(parseArchSpecJson(JSON.stringify({ ...architecture, numClasses }), 'custom'));
}
