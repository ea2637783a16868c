import { Injectable } from '@nestjs/common';
import type { JobRecord } from '@repvgg/contracts';
import { openDataset } from '@repvgg/training/data';
import { loadCheckpoint } from '@repvgg/training/checkpoint/checkpoint.store';
import {
  jobBundlePath,
  jobFinalCheckpointPath,
  jobPath,
  MANIFESTS_PATH,
} from '@repvgg/training/store/store-layout';
import { ArtifactRepository } from '../repositories/artifact.repository';
import { FinalizeError } from './finalize.error';
import { archForClasses } from '@repvgg/core/arch/arch-for-classes';
import { inputStats, validationProbe } from './validation-probe';

const PROBE_IMAGES = 2;

/**
 * After the last epoch: fuse the final weights, verify fused against multi-branch logits on
 * validation images (writeDeployBundle refuses to publish outside the libs/repvgg bound), write the
 * deploy bundle with provenance, and keep the final training checkpoint beside it.
 */
@Injectable()
export class FinalizerService {
  constructor(
    private readonly artifacts: ArtifactRepository,
    private readonly codeVersion: string,
  ) {}

  /** Returns a one-line summary for the job's final transition. */
  async run(record: JobRecord): Promise<string> {
    if (record.latestCheckpoint === null) {
      throw new FinalizeError(
        'no training checkpoint was reported by the workers, so there is nothing to fuse',
      );
    }
    const store = this.artifacts.store;
    const checkpointPath = `${jobPath(record.id)}/${record.latestCheckpoint}`;
    const checkpoint = await store.locate(jobPath(record.id), record.latestCheckpoint, 'dir');
    if (checkpoint === undefined) {
      throw new FinalizeError(
        `the reported checkpoint ${checkpointPath} is missing from the artifact store`,
      );
    }
    const { weights } = await loadCheckpoint(checkpoint);
    const source = await openDataset({
      data: record.spec.dataset.path,
      cacheDir: store.path(MANIFESTS_PATH),
    });
    const arch = archForClasses(record.spec.architecture, source.numClasses);
    const probeInput = await validationProbe(source, arch, record.spec.imageSize, PROBE_IMAGES);
    const last = record.epochResults.at(-1);
    const { writeDeployBundle } = await import('@repvgg/core/export/bundle');
    await writeDeployBundle({
      arch,
      trainSd: weights,
      outDir: store.path(jobBundlePath(record.id)),
      overwrite: true,
      ...(probeInput.shape[0] > 0 ? { probeInput } : {}),
      preprocessing: {
        ...inputStats(source, arch.inputChannels),
        cropSize: record.spec.imageSize,
        resize: Math.floor(record.spec.imageSize / 0.875),
        classNames: [...source.classNames],
      },
      provenance: {
        jobId: record.id,
        jobSpec: record.spec,
        datasetManifestHash: source.contentHash,
        codeVersion: this.codeVersion,
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
}
