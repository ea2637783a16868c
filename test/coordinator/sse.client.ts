import { get } from 'node:http';

export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
}

export interface SseStream {
  readonly status: number;
  readonly events: SseEvent[];
  /** Resolves once the server ended the stream. */
  readonly ended: Promise<void>;
  /** Resolves once the events that arrived satisfy `done` (e.g. enough of them). */
  until(done: (events: readonly SseEvent[]) => boolean): Promise<void>;
  close(): void;
}

/** A server-sent event stream read as it arrives (supertest only hands the body over at its end). */
export function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      const events: SseEvent[] = [];
      const waits: { done: (e: readonly SseEvent[]) => boolean; resolve: () => void }[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string): string =>
            block
              .split('\n')
              .find((l) => l.startsWith(`${name}: `))
              ?.slice(name.length + 2) ?? '';
          if (field('data') === '') continue;
          events.push({ id: field('id'), event: field('event'), data: field('data') });
        }
        for (const w of waits) if (w.done(events)) w.resolve();
      });
      const ended = new Promise<void>((done) => res.on('end', done));
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        until: (done) =>
          done(events)
            ? Promise.resolve()
            : new Promise((resolve) => waits.push({ done, resolve })),
        close: () => {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}
