import {
  LOG_MESSAGE_MAX,
  TERMINAL_STATES,
  logLevelSchema,
  type JobEvent,
  type JobLogLine,
  type LogLine__Output,
} from '@repvgg/contracts';
import type { NewLogLine } from '../repositories/job-logs.repository';

export const COORDINATOR_SOURCE = 'coordinator';

/** Messages longer than the contract's limit are cut, with a trailing "…". */
export function clipMessage(message: string): string {
  return message.length > LOG_MESSAGE_MAX ? `${message.slice(0, LOG_MESSAGE_MAX)}…` : message;
}

const isIsoTime = (s: string): boolean =>
  /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s));

/**
 * A worker's line as the job stores it: the worker's id as its source; a level or time the contract
 * does not know becomes `info` or the arrival time.
 */
export function workerLine(workerId: string, l: LogLine__Output, now: string): JobLogLine {
  return {
    at: isIsoTime(l.at) ? new Date(l.at).toISOString() : now,
    level: logLevelSchema.safeParse(l.level).data ?? 'info',
    source: workerId,
    ...(l.generation === undefined ? {} : { generation: l.generation }),
    ...(l.rank === undefined ? {} : { rank: l.rank }),
    ...(l.step === undefined ? {} : { step: l.step }),
    message: clipMessage(l.message),
  };
}

/**
 * The coordinator's own line about a job event (steps have none: they are in the metrics). The line
 * of a terminal state is marked last: a follow stream ends after it.
 */
export function eventLine(event: JobEvent, at: string): NewLogLine | null {
  const line = (level: JobLogLine['level'], message: string, generation?: number): JobLogLine => ({
    at,
    level,
    source: COORDINATOR_SOURCE,
    ...(generation === undefined ? {} : { generation }),
    message: clipMessage(message),
  });
  switch (event.type) {
    case 'state': {
      const { from, to, reason } = event.transition;
      return {
        line: line(to === 'failed' ? 'error' : 'info', `${from ?? 'new'} → ${to}: ${reason}`),
        last: TERMINAL_STATES.has(to),
      };
    }
    case 'generation': {
      const { generation: g, workers, reason } = event;
      return workers.length === 0
        ? { line: line('warn', `generation ${g}: no workers (${reason})`, g) }
        : {
            line: line(
              'info',
              `generation ${g}: ${workers.length} worker(s) ${workers.join(', ')} (${reason})`,
              g,
            ),
          };
    }
    case 'epoch': {
      const r = event.result;
      return {
        line: line(
          'info',
          `epoch ${r.epoch} validated: top-1 ${r.top1.toFixed(4)}, top-5 ${r.top5.toFixed(4)}, loss ${r.valLoss.toFixed(4)}`,
        ),
      };
    }
    case 'decode': {
      const shown = event.samples.map((s) => `${s.sample}: ${s.reason}`).join('; ');
      return {
        line: line(
          'warn',
          `worker ${event.workerId} could not decode ${event.count} sample(s) (${event.total} in this job)${shown === '' ? '' : `: ${shown}`}`,
        ),
      };
    }
    case 'step':
      return null;
  }
}
