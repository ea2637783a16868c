import type { DatasetSource, DatasetSplit } from './dataset-source';
import type { DecodeResult } from './decode-failures';
import { decodeImageFile } from './image-decoder';
import { loadManifest, type ManifestCacheOptions } from './manifest.cache';
import { samplePath, type Manifest, type ManifestSplit } from './manifest';
import type { GeometryPlanner } from './raw-image';

class ImageFolderSplit implements DatasetSplit {
  readonly size: number;
  readonly labels: Int32Array;

  constructor(
    readonly name: 'train' | 'val',
    private readonly root: string,
    private readonly split: ManifestSplit,
  ) {
    this.size = split.files.length;
    this.labels = split.labels;
  }

  sampleName(index: number): string {
    return `${this.split.dirs[this.split.dirOf[index]] ?? ''}/${this.split.files[index] ?? ''}`;
  }

  read(index: number, geometry?: GeometryPlanner): Promise<DecodeResult> {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`sample ${index} is outside ${this.name} (0…${this.size - 1})`);
    }
    return decodeImageFile(
      samplePath(this.root, this.split, index),
      geometry,
      this.sampleName(index),
    );
  }
}

/** A dataset source over an already-built manifest. */
export function imageFolderFromManifest(manifest: Manifest): DatasetSource {
  return {
    kind: 'imagefolder',
    root: manifest.root,
    classNames: manifest.classNames,
    numClasses: manifest.classNames.length,
    train: new ImageFolderSplit('train', manifest.root, manifest.train),
    val:
      manifest.val === undefined
        ? undefined
        : new ImageFolderSplit('val', manifest.root, manifest.val),
    channels: 3,
    imageSize: undefined,
    stats: undefined,
    contentHash: manifest.contentHash,
  };
}

/**
 * A folder-per-class dataset in the ImageNet ILSVRC2012 layout (see buildManifest for what is accepted),
 * its manifest served from the cache when the listing has not changed.
 */
export async function openImageFolder(
  root: string,
  opts: ManifestCacheOptions = {},
): Promise<DatasetSource> {
  const { manifest } = await loadManifest(root, opts);
  return imageFolderFromManifest(manifest);
}
