import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { jobEventSchema, type JobEvent } from '@repvgg/contracts/events/job-event.schema';
import type { JobLogLine } from '@repvgg/contracts/logs/job-log.schema';
import type { Api } from './api.client';
import { applyEvent, emptySeries, type JobSeries } from './job-series';

/** Lines of the log tail the page keeps. */
export const LOG_TAIL = 300;
/** How often a burst of events re-renders the page. */
const RENDER_MS = 250;

export interface JobStream {
  readonly series: JobSeries;
  readonly decodes: readonly Extract<JobEvent, { type: 'decode' }>[];
  readonly logs: readonly JobLogLine[];
  readonly error: string | null;
}

/** Appends what `open` delivers to a list and re-renders at most every RENDER_MS. */
function useStreamedList<T>(
  open: (push: (item: T) => void, signal: AbortSignal) => Promise<void>,
  deps: readonly unknown[],
  keep = Infinity,
): { items: readonly T[]; version: number; error: string | null } {
  const items = useRef<T[]>([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    items.current = [];
    const ctl = new AbortController();
    let pending: ReturnType<typeof setTimeout> | undefined;
    const push = (item: T): void => {
      items.current.push(item);
      if (items.current.length > keep) items.current.splice(0, items.current.length - keep);
      pending ??= setTimeout(() => {
        pending = undefined;
        setVersion((v) => v + 1);
      }, RENDER_MS);
    };
    open(push, ctl.signal).catch((err: unknown) => {
      if (!ctl.signal.aborted) setError((err as Error).message);
    });
    return () => {
      ctl.abort();
      clearTimeout(pending);
    };
  }, deps);
  return { items: items.current, version, error };
}

/** The job's event stream folded into chart series, and its log tail, both live. */
export function useJobStream(api: Api, jobId: string, stepsPerEpoch: number): JobStream {
  const events = useStreamedList<JobEvent>(
    (push, signal) =>
      api.follow(
        `/v1/jobs/${jobId}/events`,
        (m) => {
          const parsed = jobEventSchema.safeParse(JSON.parse(m.data));
          if (parsed.success) push(parsed.data);
        },
        signal,
      ),
    [api, jobId],
  );
  const logs = useStreamedList<JobLogLine>(
    (push, signal) =>
      api.follow(
        `/v1/jobs/${jobId}/logs?follow=true`,
        (m) => {
          push(JSON.parse(m.data) as JobLogLine);
        },
        signal,
      ),
    [api, jobId],
    LOG_TAIL,
  );
  // Rebuilt from the whole history: steps are placed by stepsPerEpoch, known once the job is prepared.
  const series = useMemo(() => {
    const s = emptySeries();
    for (const e of events.items) applyEvent(s, e, stepsPerEpoch);
    return s;
  }, [events.version, events.items, stepsPerEpoch]);
  const decodes = useMemo(
    () =>
      events.items.filter((e): e is Extract<JobEvent, { type: 'decode' }> => e.type === 'decode'),
    [events.version, events.items],
  );
  return { series, decodes, logs: logs.items.slice(), error: events.error ?? logs.error };
}
