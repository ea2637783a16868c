import type { StepPhase } from './chaos.schedule';
import type { CommittedStep } from './step-audit';

/** What aiming reads of the last committed step. */
export type StepSplit = Pick<CommittedStep, 'step' | 'dataWaitSeconds' | 'computeSeconds'>;

/** The job's shape as far as aiming goes. */
export interface AimLayout {
  readonly stepsPerEpoch: number;
  /** Members of the running generation. */
  readonly members: number;
  /** Bytes of the model's weights file: about the gradient an all-reduce moves. */
  readonly modelBytes: number;
}

/**
 * How the moment of a phase is found from outside the processes (`phase-wait.ts` waits for it):
 * - `timed`: that long after the next step starts (the previous commit);
 * - `bytes-sent`: a member that writes no checkpoint (not the leader) writes `minBytes` to its
 *   sockets, counted from `afterCommitMs` on (so the step's start is not counted): its share of the
 *   gradient all-reduce has begun;
 * - `checkpoint-file`: a file whose name matches appears in the job's checkpoint directory (the
 *   leader's checkpoint of the step, written before it reports the step);
 * - `epoch-end`: the epoch's last step is committed; its validation runs next.
 */
export type PhaseTrigger =
  | { readonly kind: 'timed'; readonly afterCommitMs: number }
  | { readonly kind: 'bytes-sent'; readonly afterCommitMs: number; readonly minBytes: number }
  | { readonly kind: 'checkpoint-file'; readonly name: RegExp; readonly what: string }
  | { readonly kind: 'epoch-end'; readonly step: number };

/** The trigger of `phase` given the last committed step's timings. */
export function phaseTrigger(phase: StepPhase, last: StepSplit, layout: AimLayout): PhaseTrigger {
  const startMs = 1000 * (last.dataWaitSeconds ?? 0);
  const computeMs = 1000 * (last.computeSeconds ?? 0);
  switch (phase) {
    case 'compute':
      // Early in the compute: it is most of a step, so a step as long as the last one is in it.
      return { kind: 'timed', afterCommitMs: Math.round(startMs + 0.3 * computeMs) };
    case 'all-reduce':
      return {
        kind: 'bytes-sent',
        afterCommitMs: Math.round(startMs + 0.5 * computeMs),
        // A member's first ring chunk is 1/members of the gradient; half of that clears the
        // heartbeats and log lines written meanwhile.
        minBytes: Math.max(4096, Math.floor(layout.modelBytes / (2 * Math.max(1, layout.members)))),
      };
    case 'checkpoint-write':
      // saveCheckpoint first creates `.step-NNNNNNNN.<pid>.tmp`, then writes the tensors into it.
      return {
        kind: 'checkpoint-file',
        name: /^\.step-\d{8}\.\d+\.tmp$/,
        what: 'checkpoint begun',
      };
    case 'report-step':
      // `latest.json` is repointed last; ReportStep follows.
      return { kind: 'checkpoint-file', name: /^latest\.json$/, what: 'checkpoint done' };
    case 'validation':
      return { kind: 'epoch-end', step: layout.stepsPerEpoch - 1 };
  }
}
