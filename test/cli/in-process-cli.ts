import { vi } from 'vitest';
import { buildProgram } from '../../apps/cli/src/cli.program';
import { reportCliError } from '../../apps/cli/src/errors/cli-error.handler';

export interface InProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `repvgg ARGS` in this process, as bin/repvgg.js would (same program, same error handler),
 * with `env` set for its duration and its stdout/stderr captured. Calls must not overlap: the
 * capture replaces process.stdout/stderr.write.
 */
export async function repvgg(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const setEnv = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  setEnv(env);
  let code = 0;
  try {
    await buildProgram().parseAsync(['node', 'repvgg', ...args]);
  } catch (err) {
    code = reportCliError(err, (line) => {
      stderr += line;
    });
  } finally {
    out.mockRestore();
    err.mockRestore();
    setEnv(saved);
  }
  return { code, stdout, stderr };
}

/** The non-empty lines of a captured stream. */
export const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');
