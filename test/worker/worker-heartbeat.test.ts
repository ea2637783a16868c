import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeartbeatRequest__Output } from '@repvgg/contracts';
import { startWorker, type RunningWorker } from '@repvgg/worker';
import { RendezvousGrpcServer } from '../../apps/coordinator/src/rendezvous/rendezvous.grpc-server';
import { RendezvousEvents } from '../../apps/coordinator/src/rendezvous/rendezvous-events';
import { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { until } from '../coordinator/coordinator.harness';

const HEARTBEAT_MS = 40;

/** The real rendezvous, whose heartbeats can be made to fail or to forget every worker. */
class TroubledRendezvous extends RendezvousService {
  mode: 'ok' | 'error' | 'forget' = 'ok';
  override heartbeat(req: HeartbeatRequest__Output): boolean {
    if (this.mode === 'error') throw new Error('the coordinator is overloaded');
    if (this.mode === 'forget') return false;
    return super.heartbeat(req);
  }
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
});

async function workerOn(): Promise<{
  rendezvous: TroubledRendezvous;
  lines: string[];
  worker: RunningWorker;
}> {
  const rendezvous = new TroubledRendezvous(
    { heartbeatMs: HEARTBEAT_MS, heartbeatTimeoutMs: 60_000 },
    () => undefined,
    new RendezvousEvents(),
  );
  const server = new RendezvousGrpcServer(rendezvous, () => undefined);
  const port = await server.listen('127.0.0.1', 0);
  stops.push(() => server.close());
  const lines: string[] = [];
  const worker = await startWorker({
    coordinator: `127.0.0.1:${port}`,
    artifacts: mkdtempSync(join(tmpdir(), 'heartbeat-')),
    backend: 'cpu',
    log: (line) => lines.push(line),
  });
  stops.push(() => worker.drain());
  return { rendezvous, lines, worker };
}

describe('worker heartbeats', () => {
  it('logs a failed heartbeat (once per interval, with how many failed)', async () => {
    const { rendezvous, lines } = await workerOn();
    rendezvous.mode = 'error';
    await until(
      () => lines.some((l) => /^heartbeat to the coordinator failed \(\d+ since/.test(l)),
      'a line about the failed heartbeat',
    );
    const line = lines.find((l) => l.startsWith('heartbeat to the coordinator failed'));
    expect(line).toContain('rendezvous Heartbeat failed');
    // a failed beat is news, not a reason to leave: no re-registration
    expect(lines.filter((l) => l.includes('registering again'))).toEqual([]);
  });

  it('registers again after capped, growing, jittered waits while the coordinator forgets it', async () => {
    const { rendezvous, lines } = await workerOn();
    rendezvous.mode = 'forget';
    const waits = (): number[] =>
      lines.flatMap((l) => {
        const m = /registering again in (\d+) ms$/.exec(l);
        return m === null ? [] : [Number(m[1])];
      });
    await until(() => waits().length >= 5, 'five re-registrations', 30_000);
    // each wait below its ceiling heartbeatMs·2^n (full jitter: uniform under it)
    waits()
      .slice(0, 5)
      .forEach((wait, n) => {
        expect(wait).toBeLessThan(HEARTBEAT_MS * 2 ** n);
      });
  });
});
