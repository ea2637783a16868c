import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type ClusterOptions, type RunningCluster } from './cluster.start';
import { CLUSTER_STATE_FILE, type ClusterState } from './cluster-state';

/** SIGHUP: the terminal of a foreground cluster closed (a detached one has none). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How often a running supervisor checks that its state file is still there. */
const STATE_CHECK_MS = 2_000;

/**
 * Runs a cluster in this process until SIGINT or SIGTERM, then stops it in order. A signal during
 * start-up aborts it (what was started is stopped); a second signal kills what still runs. A state
 * file that disappears (the cluster directory removed, say by `rm -rf .repvgg`) stops it too:
 * otherwise its processes would run on with nothing left to find them by (`cluster down` and
 * `status` read that file).
 */
export async function superviseCluster(
  opts: ClusterOptions,
  onReady: (state: ClusterState) => void,
): Promise<void> {
  const say = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const abort = new AbortController();
  let cluster: RunningCluster | undefined;
  let signals = 0;
  let requested = (): void => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    requested = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      say(`${signal}: stopping the local cluster`);
      abort.abort(new Error(`start-up interrupted by ${signal}; nothing of it is left running`));
      requested();
    } else {
      say(`${signal} again: killing what still runs`);
      cluster?.kill();
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    cluster = await startCluster({ ...opts, log: say, signal: abort.signal });
    onReady(cluster.state);
    const stateFile = join(opts.dir, CLUSTER_STATE_FILE);
    const watch = setInterval(() => {
      if (existsSync(stateFile)) return;
      say(`${stateFile} was removed: stopping the local cluster`);
      requested();
    }, STATE_CHECK_MS);
    try {
      await stopRequested;
    } finally {
      clearInterval(watch);
    }
    await cluster.stop();
    say('local cluster stopped');
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}
