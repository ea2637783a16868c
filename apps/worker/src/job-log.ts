import type { LogLevel } from '@repvgg/contracts';
import type { JobLogShipper } from './job-log.shipper';

/** Which job (and where in it) a line is about. */
export interface JobLogWhere {
  readonly jobId: string;
  readonly generation?: number;
  readonly rank?: number;
  /** Optimizer step within the epoch. */
  readonly step?: number;
}

/**
 * The worker's one way to log about a job: the line goes to the worker's own log as before and to
 * the job's log on the coordinator (`GET /v1/jobs/:id/logs`).
 */
export type JobLog = (level: LogLevel, message: string, where: JobLogWhere) => void;

export function jobLogger(log: (line: string) => void, shipper: JobLogShipper): JobLog {
  return (level, message, where) => {
    log(level === 'info' ? message : `${level}: ${message}`);
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
