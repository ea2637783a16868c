import { readFileSync } from 'node:fs';
import { UsageError } from '../errors/usage.error';
import { requireFile } from './paths';

/** Class names from a JSON array of strings or a text file with one name per line. */
export function readClassNames(path: string): string[] {
  requireFile('class names file', path);
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.some((n) => typeof n !== 'string')) {
      throw new UsageError(
        `class names file ${path} is not a JSON array of strings`,
        'write ["name0", "name1", …] or one name per line',
      );
    }
    return parsed as string[];
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
