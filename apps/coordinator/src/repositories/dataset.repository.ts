import { join } from 'node:path';
import type { DatasetManifestSummary, DatasetSpec } from '@repvgg/contracts';
import { DatasetError, openDataset } from '@repvgg/training/data';
import { MANIFESTS_PATH } from '@repvgg/training/store/store-layout';

/** The dataset's contents do not match what the job spec says it is. */
export class DatasetKindMismatchError extends DatasetError {
  constructor(path: string, expected: string, found: string) {
    super(
      `dataset at ${path} is ${found}, but the job says dataset.source=${expected}`,
      'fix dataset.source',
    );
  }
}

/**
 * Opens datasets with the training engine's sources (the same code workers read them with), so a
 * dataset that passes here is one workers can train on. Manifests are cached in the artifact store.
 */
export class DatasetRepository {
  constructor(private readonly artifactsRoot: string) {}

  async inspect(spec: DatasetSpec): Promise<DatasetManifestSummary> {
    const source = await openDataset({
      data: spec.path,
      cacheDir: join(this.artifactsRoot, MANIFESTS_PATH),
    });
    if (source.kind !== spec.source) {
      throw new DatasetKindMismatchError(spec.path, spec.source, source.kind);
    }
    return {
      hash: source.contentHash,
      classes: [...source.classNames],
      trainSamples: source.train.size,
      valSamples: source.val?.size ?? 0,
    };
  }
}
