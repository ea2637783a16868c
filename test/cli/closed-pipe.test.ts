import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './cli-harness';

/**
 * Runs the CLI with stdout a pipe whose reader is already gone when the CLI writes, as with
 * `| head -1` once head has its line and exited.
 */
function runIntoClosedPipe(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'repvgg.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.destroy();
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stderr });
    });
  });
}

describe('repvgg writing into a pipe its reader closed', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('ends quietly with exit code 0 instead of an EPIPE stack', async () => {
    const r = await runIntoClosedPipe(['info', '--arch', 'B3']);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.code).toBe(0);
  });
});
