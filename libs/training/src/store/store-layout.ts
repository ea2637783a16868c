/**
 * Where things live inside the artifact store, as `/`-separated paths relative to its root. The
 * coordinator and the workers mount the store wherever they like (REPVGG_ARTIFACTS, `--artifacts`);
 * only these relative paths cross process boundaries, and this is the one module that names them.
 */

/** Dataset manifests, cached by content (the coordinator's and the finalizer's `openDataset`). */
export const MANIFESTS_PATH = 'manifests';

/** A job's folder: its checkpoints, deploy bundle and final checkpoint. */
export const jobPath = (jobId: string): string => `jobs/${jobId}`;

/** Training checkpoints the workers write (`step-NNNNNNNN/` + `latest.json`), inside the job's folder. */
export const CHECKPOINTS_DIR = 'checkpoints';
/** The deploy bundle the finalizer writes, inside the job's folder. */
export const BUNDLE_DIR = 'bundle';
/** The training checkpoint the bundle was fused from, kept for fine-tuning and resuming. */
export const FINAL_CHECKPOINT_DIR = 'final-checkpoint';

export const jobCheckpointsPath = (jobId: string): string => `${jobPath(jobId)}/${CHECKPOINTS_DIR}`;
export const jobBundlePath = (jobId: string): string => `${jobPath(jobId)}/${BUNDLE_DIR}`;
export const jobFinalCheckpointPath = (jobId: string): string =>
  `${jobPath(jobId)}/${FINAL_CHECKPOINT_DIR}`;

/** Segments of letters, digits, `.`, `_`, `-`; no empty, `.` or `..` segment. */
const STORE_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** A relative path that stays inside the folder it is taken from (no `..`, no absolute path). */
export function isValidStorePath(path: string): boolean {
  return path.length <= 512 && STORE_PATH.test(path);
}
