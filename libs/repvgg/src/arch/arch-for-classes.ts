import { expandArch, type Architecture } from './arch-spec';
import { InvalidArchSpecError } from './arch.error';
import { parseArchSpecJson, resolveArch } from './resolve-arch';

/** A custom architecture as a job spec carries it: the official constructor's fields. */
export type CustomArchFields = Readonly<Record<string, unknown>> & { readonly numClasses?: number };

/**
 * A job's architecture (official name or custom fields) with the dataset's class count. The
 * coordinator and every worker resolve it through this one function, so checkpoints written by
 * workers fuse in the finalizer. A custom spec naming another class count is an error: the head
 * would not match the labels.
 */
export function archForClasses(
  architecture: string | CustomArchFields,
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
