import { z } from 'zod';
import { workerInfoSchema } from '@repvgg/contracts';

const POLL_MS = 250;
const REQUEST_TIMEOUT_MS = 2_000;

async function get(url: string, token?: string): Promise<Response | undefined> {
  try {
    return await fetch(url, {
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    return undefined;
  }
}

/** Whether the coordinator at `url` is ready (its Redis answers the store and the queues). */
export async function coordinatorReady(url: string): Promise<boolean> {
  return (await get(`${url}/health/ready`))?.ok === true;
}

/** How many workers the coordinator at `url` has registered, or undefined when it does not say. */
export async function registeredWorkers(url: string, token: string): Promise<number | undefined> {
  const res = await get(`${url}/v1/workers`, token);
  if (res?.ok !== true) return undefined;
  const workers = z.array(workerInfoSchema).safeParse(await res.json().catch(() => undefined));
  return workers.success ? workers.data.length : undefined;
}

export interface ReadyWait {
  readonly url: string;
  readonly token: string;
  readonly workers: number;
  readonly timeoutMs: number;
  /** Set when a process the cluster needs ended: stops the wait with that reason. */
  readonly failure: () => string | undefined;
  readonly signal?: AbortSignal;
}

/** Waits until the coordinator is ready and `workers` workers have registered with it. */
export async function waitUntilReady(w: ReadyWait): Promise<void> {
  const deadline = Date.now() + w.timeoutMs;
  let seen: number | undefined;
  let ready = false;
  for (;;) {
    if (w.signal?.aborted === true) throw w.signal.reason as Error;
    const failure = w.failure();
    if (failure !== undefined) throw new Error(failure);
    ready = ready || (await coordinatorReady(w.url));
    if (ready) {
      seen = await registeredWorkers(w.url, w.token);
      if (seen !== undefined && seen >= w.workers) return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        ready
          ? `only ${seen ?? 0} of ${w.workers} workers registered within ${w.timeoutMs / 1000} s; see the worker logs`
          : `the coordinator at ${w.url} was not ready within ${w.timeoutMs / 1000} s; see its log`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
