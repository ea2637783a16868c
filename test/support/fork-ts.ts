import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@swc/core';

let hookPath: string | undefined;

/** The require hook compiled to a cached .cjs file (content-addressed, so edits take effect). */
function compiledHook(): string {
  if (hookPath !== undefined) return hookPath;
  const source = join(__dirname, 'ts-require-hook.ts');
  const text = readFileSync(source, 'utf8');
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  // Inside node_modules so that the hook's own require('@swc/core') resolves.
  const dir = join(__dirname, '..', '..', 'node_modules', '.cache', 'repvgg');
  const target = join(dir, `ts-hook-${digest}.cjs`);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    const { code } = transformSync(text, {
      filename: source,
      module: { type: 'commonjs' },
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    });
    // The hook resolves the repo from its own location; pin it to the real one.
    writeFileSync(target, code.replaceAll('__dirname', JSON.stringify(__dirname)));
  }
  hookPath = target;
  return target;
}

/** Forks a TypeScript module as a child process with an IPC channel (`pipe`: its stdout and stderr readable). */
export function forkTs(
  modulePath: string,
  args: string[] = [],
  output: 'inherit' | 'pipe' = 'inherit',
): ChildProcess {
  return fork(modulePath, args, {
    execArgv: ['-r', compiledHook()],
    stdio: ['ignore', output, output, 'ipc'],
  });
}
