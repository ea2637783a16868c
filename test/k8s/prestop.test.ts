import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { manifestIt, render, template } from './kustomize.support';

/**
 * The worker's own half — SIGTERM leaves at the next step boundary and exits 0 — is tested with real worker
 * processes in test/worker/distributed-training.test.ts. Here: the rendered preStop hook sends that SIGTERM to the
 * container's PID 1 and returns only once the process is gone, so the kubelet's SIGTERM after the hook cannot cut a
 * drain short. The hook runs with PID 1 replaced by a child that, like the worker, exits a while after SIGTERM.
 */
describe('the worker preStop hook', () => {
  manifestIt('signals the worker and waits for it to exit', async () => {
    const sts = render('base').find(
      (o) => o.kind === 'StatefulSet' && o.metadata.name === 'repvgg-worker',
    )!;
    const c = template(sts).spec!.containers[0];
    const [shell, flag, script] = c.lifecycle!.preStop!.exec!.command!;
    expect([shell, flag]).toEqual(['sh', '-c']);
    // Asserted before it runs here: a changed hook must never reach this machine's own PID 1.
    expect(script).toBe('kill -TERM 1; while kill -0 1 2>/dev/null; do sleep 1; done');

    const child = spawn(
      process.execPath,
      [
        '-e',
        "process.on('SIGTERM', () => setTimeout(() => { process.stdout.write(' drained', () => process.exit(0)); }, 1500)); process.stdout.write('ready'); setInterval(() => {}, 1000);",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.startsWith('ready')) resolve();
      });
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await ready;
    // Run asynchronously so this process reaps the child as it exits (a zombie still answers kill -0).
    await promisify(execFile)(
      shell,
      [flag, script.replaceAll(/(kill -\w+) 1\b/g, `$1 ${child.pid}`)],
      { timeout: 30_000 },
    );
    // the hook returned only after the child had finished its drain and exited
    expect(child.exitCode).toBe(0);
    expect(out).toBe('ready drained');
    expect(await exit).toBe(0);
  });
});
