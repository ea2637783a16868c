import { setTimeout as delay } from 'node:timers/promises';
import type { ChaosCluster } from './chaos.cluster';
import type { LogLine } from './recovery.phases';
import { StepHistory, type CommittedStep } from './step-audit';

interface JobView {
  readonly state: string;
  readonly progress: { readonly completedSteps: number; readonly totalSteps: number };
}

/** Watches the job: its state and every committed step, read through the REST API. */
export class JobWatch {
  readonly history = new StepHistory();
  view: JobView | undefined;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly jobId: string,
    private readonly onStep: (s: CommittedStep) => void,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  async poll(window: number): Promise<void> {
    const view = (await this.cluster.api(`/v1/jobs/${this.jobId}`)) as JobView;
    const metrics = (await this.cluster.api(`/v1/jobs/${this.jobId}/metrics?steps=${window}`)) as {
      steps: CommittedStep[];
    };
    this.view = view;
    for (const s of this.history.add(metrics.steps)) this.onStep(s);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // The coordinator or Redis may be down: the next reading catches up.
      await this.poll(200).catch(() => undefined);
      await delay(200);
    }
  }

  /** The first step committed after `t` (ms) by a generation above `generation`, if any. */
  firstCommitAfter(t: number, generation: number): CommittedStep | undefined {
    return this.history.steps.find(
      (s) => Date.parse(s.at) > t && (s.generation ?? Number.MAX_SAFE_INTEGER) > generation,
    );
  }

  latest(): CommittedStep | undefined {
    return this.history.steps.at(-1);
  }
}

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(100);
  }
}

export function parseSse(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice('data: '.length)) as LogLine);
}
