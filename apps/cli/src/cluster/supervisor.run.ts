import { startCluster, type ClusterOptions, type RunningCluster } from './cluster.start';
import type { ClusterState } from './cluster-state';

/** SIGHUP: the terminal of a foreground cluster closed (a detached one has none). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a cluster in this process until SIGINT or SIGTERM, then stops it in order. A signal during
 * start-up aborts it (what was started is stopped); a second signal kills what still runs.
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
    await stopRequested;
    await cluster.stop();
    say('local cluster stopped');
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}
