import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'repvgg.js');
const ENTRY = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
const BUILD_INFO = join(ROOT, 'dist', '.tsbuildinfo');
const LOCK = join(ROOT, 'dist', '.cli-test-build.lock');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (/\.ts$/.test(entry.name) && !/\.(spec|test)\.ts$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

const isStale = (): boolean =>
  !existsSync(ENTRY) ||
  !existsSync(BUILD_INFO) ||
  ['apps', 'libs', 'bench'].some(
    (d) => newestSourceMtime(join(ROOT, d)) > statSync(BUILD_INFO).mtimeMs,
  );

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Builds dist/ incrementally when a source file is newer than the last build. Test files run in
 * parallel workers, so a lock directory keeps two builds from writing dist/ at once. tsc's type
 * errors do not stop the emit; the tests then show whether the CLI works.
 */
export function ensureBuilt(): void {
  if (!isStale()) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${LOCK} held for 5 minutes`);
      sleep(250);
    }
  }
  try {
    if (!isStale()) return;
    const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const alias = spawnSync('npx', ['tsc-alias', '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (alias.status !== 0 || !existsSync(ENTRY)) {
      throw new Error(`build failed:\n${tsc.stdout}${tsc.stderr}${alias.stdout}${alias.stderr}`);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The non-empty lines a command wrote to stderr. */
export const stderrLines = (r: CliResult): string[] =>
  r.stderr.split('\n').filter((l) => l.trim().length > 0);
