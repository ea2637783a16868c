import type { LogLevel } from '@repvgg/contracts';
import { createProcessLogger, type LogWhere } from '@repvgg/contracts/logging/process-logger';
import type { JobLogShipper } from './job-log.shipper';

/** Which job (and where in it) a line is about. */
export interface JobLogWhere extends LogWhere {
  readonly jobId: string;
}

/**
 * The worker's one way to log about a job: the line goes to the worker's own log and to the job's
 * log on the coordinator (`GET /v1/jobs/:id/logs`).
 */
export type JobLog = (level: LogLevel, message: string, where: JobLogWhere) => void;

/** The worker's own log: plain lines, and lines about a job with where in it they belong. */
export interface WorkerLogSinks {
  readonly line: (line: string) => void;
  readonly job: JobLog;
}

/**
 * The pino process log (JSON lines with jobId, generation, rank and step; LOG_LEVEL), or, when an
 * embedding caller hands its own `log`, plain lines with the level in front.
 */
export function workerLogSinks(log?: (line: string) => void): WorkerLogSinks {
  if (log !== undefined) {
    return {
      line: log,
      job: (level, message) => {
        log(level === 'info' ? message : `${level}: ${message}`);
      },
    };
  }
  const logger = createProcessLogger('worker');
  return {
    line: (line) => {
      logger.info(line);
    },
    job: (level, message, where) => {
      logger[level]({ ...where }, message);
    },
  };
}

export function jobLogger(local: JobLog, shipper: JobLogShipper): JobLog {
  return (level, message, where) => {
    local(level, message, where);
    shipper.push(where.jobId, {
      at: new Date().toISOString(),
      level,
      message,
      generation: where.generation,
      rank: where.rank,
      step: where.step,
    });
  };
}
