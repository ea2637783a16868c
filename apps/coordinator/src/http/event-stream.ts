import type { ServerResponse } from 'node:http';

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
