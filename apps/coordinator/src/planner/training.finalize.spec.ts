import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { JobRecord, JobState } from '@repvgg/contracts';
import type { FinalizerService } from '../finalizer/finalizer.service';
import type { JobEventsService } from '../jobs/job-events.service';
import type { JobService, TransitionNotice } from '../jobs/job.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { QueueRepository } from '../repositories/queue.repository';
import { RendezvousEvents } from '../rendezvous/rendezvous-events';
import type { RendezvousService } from '../rendezvous/rendezvous.service';
import { TrainingService } from './training.service';

/**
 * `finalize` runs unawaited after the last epoch (`void this.finalize()`): it must not reject, or
 * the coordinator dies of an unhandled rejection. Only the parts it touches are real here: a job
 * store whose writes fail (Redis away) and a finalizer.
 */
function training(run: () => Promise<string>, transitions: JobState[]): TrainingService {
  const jobs = {
    transitions$: new Subject<TransitionNotice>(),
    get: (id: string) => Promise.resolve({ id, state: 'finalizing' } as JobRecord),
    transition: (_id: string, to: JobState) => {
      transitions.push(to);
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    },
  };
  return new TrainingService(
    jobs as unknown as JobService,
    {} as unknown as JobEventsService,
    {} as unknown as QueueRepository,
    {} as unknown as RendezvousService,
    { run } as unknown as FinalizerService,
    {} as unknown as MetricsService,
    new RendezvousEvents(),
  );
}

describe('TrainingService.finalize', () => {
  it.each([
    ['succeeded', () => Promise.resolve('fused and verified')],
    ['failed', () => Promise.reject(new Error('fused model differs'))],
  ] as const)(
    'resolves when the %s state cannot be stored (the job stays finalizing)',
    async (state, run) => {
      const tried: JobState[] = [];
      await expect(training(run, tried).finalize('j')).resolves.toBeUndefined();
      expect(tried).toEqual([state]);
    },
  );
});
