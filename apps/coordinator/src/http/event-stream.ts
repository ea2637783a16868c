import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';

/** Starts a `text/event-stream` response that proxies neither cache nor buffer. */
export function openEventStream(res: ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}

/**
 * Ends an event stream that failed (e.g. Redis went away while replaying): the failure is logged
 * with the stream it broke, and the client reads why in an SSE comment before the end — a reader
 * reconnects with Last-Event-ID and resumes where it was.
 */
export function failEventStream(
  res: ServerResponse,
  logger: Pick<Logger, 'warn'>,
  stream: string,
  err: unknown,
): void {
  const message = err instanceof Error ? err.message : String(err);
  logger.warn(`${stream} failed: ${message}`);
  res.end(`: error: ${message.replaceAll(/[\r\n]+/g, ' ')}; reconnect with Last-Event-ID\n\n`);
}
