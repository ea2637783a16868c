import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, type Subscription } from 'rxjs';
import { TERMINAL_STATES, type JobEvent } from '@repvgg/contracts';
import { streamIdAfter } from '../common/stream-id';
import {
  RedisStoreRepository,
  type StoredEvent,
  type StoredJobEvent,
} from '../repositories/redis-store.repository';

export type LiveEvent = StoredJobEvent;

const isEnd = (e: JobEvent): boolean => e.type === 'state' && TERMINAL_STATES.has(e.transition.to);

/** Persists each job event in its Redis stream and fans it out to live SSE subscribers. */
@Injectable()
export class JobEventsService implements OnModuleDestroy {
  private readonly live = new Subject<LiveEvent>();
  private readonly stored: Subscription;

  constructor(private readonly store: RedisStoreRepository) {
    this.stored = store.stored$.subscribe(this.live);
  }

  /** Every event once it is stored, of every job (the job logs turn them into lines). */
  get published(): Observable<LiveEvent> {
    return this.live.asObservable();
  }

  /** Ends every open stream, so that shutting down does not wait for SSE clients to leave. */
  onModuleDestroy(): void {
    this.stored.unsubscribe();
    this.live.complete();
  }

  /**
   * Stores an event that comes without a state change; it reaches live readers through the store's
   * `stored$`, as `state` events do (written with their transition: `RedisStoreRepository.transition`).
   */
  async publish(jobId: string, event: JobEvent): Promise<void> {
    await this.store.appendEvent(jobId, event);
  }

  /**
   * The job's events after `lastEventId` (all when absent), then live ones; completes after the
   * terminal state event, so a client of a finished job gets its history and an end.
   */
  stream(jobId: string, lastEventId?: string): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      const buffered: StoredEvent[] = [];
      let last = lastEventId ?? '0-0';
      let replaying = true;
      /** `final`: no later state event is known (a resumed job's history has earlier ends). */
      const emit = (e: StoredEvent, final = true): void => {
        if (!streamIdAfter(e.id, last)) return;
        last = e.id;
        subscriber.next(e);
        if (final && isEnd(e.event)) subscriber.complete();
      };
      const sub = this.live.subscribe({
        next: (e) => {
          if (e.jobId !== jobId) return;
          if (replaying) buffered.push(e);
          else emit(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
      this.store.readEvents(jobId, lastEventId).then(
        (history) => {
          const replay = [...history, ...buffered];
          const lastState = replay.findLastIndex((e) => e.event.type === 'state');
          replay.forEach((e, i) => {
            emit(e, i >= lastState);
          });
          replaying = false;
        },
        (err: unknown) => {
          subscriber.error(err);
        },
      );
      return () => {
        sub.unsubscribe();
      };
    });
  }
}
