import {
  jobEventSchema,
  TERMINAL_STATES,
  type BackoffPolicy,
  type JobEvent,
  type JobView,
  type StepMetrics,
} from '@repvgg/contracts';
import { EXIT_FAILURE, ExitCodeError } from '../errors/exit-code.error';
import { CoordinatorFailedError } from './client.errors';
import type { CoordinatorClient } from './coordinator.client';
import {
  formatDecodeLine,
  formatEpochLine,
  formatGenerationLine,
  formatStateLine,
  formatStepLine,
  type StepPosition,
} from './job-format';
import { readEventStream } from './sse.stream';
import { WatchRenderer, type WatchOutput } from './watch.renderer';

export type { WatchOutput } from './watch.renderer';

export interface WatchOptions {
  readonly out: WatchOutput;
  readonly signal?: AbortSignal;
  readonly policy?: BackoffPolicy;
  /** Without a terminal: at most one step line per this many ms (default 10 s). */
  readonly stepLineEveryMs?: number;
}

const EVENT_TYPES = new Set<string>(jobEventSchema.options.map((o) => o.shape.type.value));
/** Steps whose durations estimate the time left. */
const ETA_WINDOW = 20;

function parseEvent(url: string, data: string): JobEvent {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    json = undefined;
  }
  const event = jobEventSchema.safeParse(json);
  if (!event.success) {
    throw new CoordinatorFailedError(url, 'it sent an event that does not match the API contract');
  }
  return event.data;
}

const positionOf = (view: JobView): Omit<StepPosition, 'etaSeconds'> => ({
  epochs: view.spec.epochs,
  stepsPerEpoch: view.progress.stepsPerEpoch,
  totalSteps: view.progress.totalSteps,
});

/**
 * Follows a job's events until it ends and returns its final view: state changes, a progress line
 * per step (epoch/step, loss, img/s, workers, ETA), one line per validated epoch, generation changes
 * with their reason. A dropped stream reconnects with Last-Event-ID, so nothing is printed twice.
 */
export async function watchJob(
  client: CoordinatorClient,
  id: string,
  opts: WatchOptions,
): Promise<JobView> {
  const render = new WatchRenderer(opts.out, opts.stepLineEveryMs ?? 10_000);
  let position = positionOf(await client.job(id));
  const recent: number[] = [];
  const onStep = async (m: StepMetrics): Promise<void> => {
    if (position.stepsPerEpoch === 0) position = positionOf(await client.job(id));
    recent.push(m.seconds);
    if (recent.length > ETA_WINDOW) recent.shift();
    const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const done = m.epoch * position.stepsPerEpoch + m.step + 1;
    const left = Math.max(0, position.totalSteps - done);
    render.progress(formatStepLine(m, { ...position, etaSeconds: left * mean }));
  };
  const handle = async (event: JobEvent): Promise<boolean> => {
    switch (event.type) {
      case 'state':
        render.line(formatStateLine(event.transition));
        return TERMINAL_STATES.has(event.transition.to);
      case 'step':
        await onStep(event.metrics);
        return false;
      case 'epoch':
        render.line(formatEpochLine(event.result, position.epochs));
        return false;
      case 'generation':
        render.line(formatGenerationLine(event.generation, event.workers.length, event.reason));
        return false;
      case 'decode':
        render.line(formatDecodeLine(event.workerId, event.count, event.total, event.samples));
        return false;
    }
  };
  try {
    const events = readEventStream({
      open: (last, signal) => client.eventStream(id, 'events', last, signal),
      reconnectAfterEnd: async () => !TERMINAL_STATES.has((await client.job(id)).state),
      policy: opts.policy,
      signal: opts.signal,
      onReconnect: (reason, attempt, delayMs) => {
        render.line(
          `connection lost (${reason}); reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`,
        );
      },
    });
    for await (const message of events) {
      if (!EVENT_TYPES.has(message.event)) continue;
      if (await handle(parseEvent(client.url, message.data))) break;
    }
  } finally {
    render.finish();
  }
  return client.job(id);
}

/** The job's final state as the CLI's outcome: nothing when it succeeded, else exit 1 with why. */
export function requireSucceeded(view: JobView): void {
  if (view.state === 'succeeded') return;
  throw new ExitCodeError(
    `job ${view.id} ${view.state}: ${view.reason}`,
    view.state === 'cancelled' || view.state === 'failed'
      ? `see \`repvgg logs ${view.id}\`; \`repvgg resume ${view.id}\` continues from its latest checkpoint`
      : `see \`repvgg status ${view.id}\``,
    EXIT_FAILURE,
  );
}
