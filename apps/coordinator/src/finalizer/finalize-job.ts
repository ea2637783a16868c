import type { JobRecord } from '@repvgg/contracts';
import { writeDeployBundle } from '@repvgg/core/export/bundle';
import { loadCheckpoint } from '@repvgg/training/checkpoint/checkpoint.store';
import { recipeFromJobSpec } from '@repvgg/training/setup/job-recipe';
import { openJobData } from '@repvgg/training/setup/job-setup';
import { ArtifactStore } from '@repvgg/training/store/artifact.store';
import {
  jobBundlePath,
  jobFinalCheckpointPath,
  jobPath,
  MANIFESTS_PATH,
} from '@repvgg/training/store/store-layout';
import { FinalizeError } from './finalize.error';
import { validationProbe } from './validation-probe';

const PROBE_IMAGES = 2;

export interface FinalizeJobInput {
  /** The coordinator's mount of the artifact store. */
  readonly storeRoot: string;
  readonly record: JobRecord;
  readonly codeVersion: string;
}

/**
 * Fuses the job's final weights, verifies fused against multi-branch logits on validation images
 * (writeDeployBundle refuses to publish outside the libs/repvgg bound), writes the deploy bundle
 * with provenance and keeps the final training checkpoint beside it. The dataset, architecture and
 * evaluation preprocessing come from the same job setup the workers trained with, so the bundle
 * records the transform its accuracy was measured with. Returns a one-line summary.
 */
export async function finalizeJob({
  storeRoot,
  record,
  codeVersion,
}: FinalizeJobInput): Promise<string> {
  if (record.latestCheckpoint === null) {
    throw new FinalizeError(
      'no training checkpoint was reported by the workers, so there is nothing to fuse',
    );
  }
  const store = new ArtifactStore(storeRoot);
  const checkpointPath = `${jobPath(record.id)}/${record.latestCheckpoint}`;
  const checkpoint = await store.locate(jobPath(record.id), record.latestCheckpoint, 'dir');
  if (checkpoint === undefined) {
    throw new FinalizeError(
      `the reported checkpoint ${checkpointPath} is missing from the artifact store`,
    );
  }
  const { weights } = await loadCheckpoint(checkpoint);
  const data = await openJobData(recipeFromJobSpec(record.spec, store.path(MANIFESTS_PATH)));
  const { source, arch } = data;
  const probeInput = await validationProbe(source, data.val, PROBE_IMAGES);
  const last = record.epochResults.at(-1);
  await writeDeployBundle({
    arch,
    trainSd: weights,
    outDir: store.path(jobBundlePath(record.id)),
    overwrite: true,
    ...(probeInput.shape[0] > 0 ? { probeInput } : {}),
    preprocessing: data.preprocessing,
    provenance: {
      jobId: record.id,
      jobSpec: record.spec,
      datasetManifestHash: source.contentHash,
      codeVersion,
      workerHistory: record.workerHistory,
      finalAccuracy: last === undefined ? null : { top1: last.top1, top5: last.top5 },
      checkpoint: record.latestCheckpoint,
    },
    ...(last === undefined
      ? {}
      : {
          metrics: {
            split: source.kind === 'idx' ? 'test' : 'val',
            top1: last.top1,
            top5: last.top5,
            loss: last.valLoss,
            history: record.epochResults.map(({ at: _at, ...epoch }) => epoch),
          },
        }),
  });
  await store.copyDir(checkpointPath, jobFinalCheckpointPath(record.id));
  return last === undefined
    ? 'deploy bundle written'
    : `deploy bundle written; top-1 ${(100 * last.top1).toFixed(2)}%`;
}
