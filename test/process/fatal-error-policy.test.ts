import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FATAL_EXIT_CODE } from '@repvgg/contracts/process/fatal-error.policy';
import { forkTs } from '../support/fork-ts';

/** Runs the fixture until it exits: its code and what it wrote. */
async function run(failure: 'rejection' | 'exception') {
  const child = forkTs(join(__dirname, 'fatal-error.fixture.ts'), [failure], 'pipe');
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('the fatal-error policy of a service process', () => {
  it.each([
    ['rejection', 'unhandled promise rejection'],
    ['exception', 'uncaught exception'],
  ] as const)(
    'an unhandled %s is reported with the service, pid, stack and cause, then the process exits to be restarted',
    async (failure, how) => {
      const { code, stdout, stderr } = await run(failure);
      expect(code).toBe(FATAL_EXIT_CODE);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        new RegExp(`^fixture-service \\(pid \\d+\\): ${how}, exiting with code 70 to be restarted`),
      );
      expect(stderr).toContain('the store went away mid-write');
      expect(stderr).toContain('fatal-error.fixture.ts');
      expect(stderr).toContain('ECONNRESET');
    },
  );
});
