import type { Redis } from 'ioredis';

/** Longest a readiness probe waits for PING: under the kubelet's default 1 s probe timeout. */
export const PING_TIMEOUT_MS = 800;

/**
 * Whether the connection is up and Redis answers PING in time. A client that is reconnecting would
 * queue the command (forever, for BullMQ's `maxRetriesPerRequest: null`), so a readiness probe
 * checks the connection state instead of waiting for Redis to come back.
 */
export async function answersPing(redis: Redis, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
