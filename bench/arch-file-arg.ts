import { resolve } from 'node:path';

/**
 * `--arch-file F` of a bench that can run another architecture (`repvgg train --arch-file`'s JSON),
 * as an absolute path; undefined without the flag. A flag with no file after it is an error that
 * says so, not a silent run of the preset.
 */
export function archFileArg(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf('--arch-file');
  if (i < 0) return undefined;
  const file = argv.at(i + 1);
  if (file === undefined || file.startsWith('--')) {
    throw new Error('--arch-file takes a file, e.g. --arch-file wide.json');
  }
  return resolve(file);
}
