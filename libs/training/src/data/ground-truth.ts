import { GroundTruthError } from './dataset.error';
import { IMAGE_EXTENSION } from './folder-walk';

/** A validation label as a ground-truth file gives it: a class (folder) name, or a class index. */
export type GroundTruthLabel = { readonly className: string } | { readonly index: number };

/** The key both formats agree on: the file name without directory and image extension. */
export function groundTruthKey(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  return base.replace(IMAGE_EXTENSION, '');
}

/**
 * Parses a validation ground-truth file. Accepted:
 * - Kaggle's `LOC_val_solution.csv`: header `ImageId,PredictionString`, rows
 *   `ILSVRC2012_val_00000001,n01751748 x0 y0 x1 y1 …` (the first wnid is the label);
 * - text lines `<file> <label>` separated by whitespace, where label is a class folder name
 *   (`ILSVRC2012_val_00000001.JPEG n01751748`) or a class index in sorted order (caffe's `val.txt`).
 * Blank lines and lines starting with `#` are ignored. File names match with or without extension.
 */
export function parseGroundTruth(text: string, file: string): Map<string, GroundTruthLabel> {
  const out = new Map<string, GroundTruthLabel>();
  const lines = text.split(/\r?\n/);
  const csv = /^ImageId\s*,\s*PredictionString\s*$/i.test(lines[0]?.trim() ?? '');
  for (let n = csv ? 1 : 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    let name: string | undefined;
    let label: string | undefined;
    if (csv) {
      const comma = line.indexOf(',');
      name = comma > 0 ? line.slice(0, comma).trim() : undefined;
      label =
        comma > 0
          ? line
              .slice(comma + 1)
              .trim()
              .split(/\s+/)[0]
          : undefined;
    } else {
      [name, label] = line.split(/\s+/);
    }
    if (name === undefined || name === '' || label === undefined || label === '') {
      throw new GroundTruthError(
        file,
        `line ${n + 1} ("${line.slice(0, 60)}") has no file and label`,
      );
    }
    const key = groundTruthKey(name);
    if (out.has(key)) throw new GroundTruthError(file, `line ${n + 1} repeats ${name}`);
    out.set(key, /^\d+$/.test(label) ? { index: Number(label) } : { className: label });
  }
  if (out.size === 0) throw new GroundTruthError(file, 'no entries');
  return out;
}
