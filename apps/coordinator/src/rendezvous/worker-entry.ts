import type { Assignment } from '@repvgg/contracts';

/** A registered worker. */
export interface WorkerEntry {
  readonly id: string;
  readonly address: string;
  readonly backend: string;
  readonly capabilities: readonly string[];
  lastHeartbeat: number;
  completedSteps: number;
  draining: boolean;
  /** The open Watch stream, if any. */
  send: ((assignment: Assignment) => void) | null;
  /** The job whose current generation holds this worker. */
  jobId: string | null;
  /** Every job a generation gave this worker since it registered: it may send their log lines. */
  readonly served: Set<string>;
}
