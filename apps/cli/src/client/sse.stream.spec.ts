import { describe, expect, it } from 'vitest';
import { CoordinatorRefusedError, CoordinatorUnreachableError } from './client.errors';
import { readEventStream } from './sse.stream';

const FAST = { baseMs: 1, capMs: 2 };

/** A body that sends `text` in two chunks and then fails like a cut connection (or ends). */
function body(text: string, cut: boolean): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const half = Math.floor(bytes.length / 2);
  const chunks = [bytes.subarray(0, half), bytes.subarray(half)];
  // pull(), not start(): erroring a stream drops the chunks it still queues.
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next !== undefined) controller.enqueue(next);
      else if (cut) controller.error(new TypeError('terminated'));
      else controller.close();
    },
  });
}

const event = (n: number): string => `id: ${n}-0\nevent: step\ndata: ${n}\n\n`;

describe('readEventStream', () => {
  it('reconnects after a cut with Last-Event-ID of the last event and yields each event once', async () => {
    const asked: (string | undefined)[] = [];
    // The server replays everything after Last-Event-ID, like the coordinator's streams.
    const all = [1, 2, 3, 4, 5];
    const reconnects: number[] = [];
    const stream = readEventStream({
      policy: FAST,
      open: (last) => {
        asked.push(last);
        const after = last === undefined ? 0 : Number(last.split('-')[0]);
        const rest = all.filter((n) => n > after);
        // The first two connections carry two events and a half, then break.
        const cut = asked.length <= 2;
        const text = cut
          ? `${rest.slice(0, 2).map(event).join('')}id: 99-0\nevent: step\ndata: half`
          : rest.map(event).join('');
        return Promise.resolve(body(text, cut));
      },
      onReconnect: (_reason, attempt) => reconnects.push(attempt),
    });
    const seen: string[] = [];
    for await (const m of stream) seen.push(m.data);
    expect(seen).toEqual(['1', '2', '3', '4', '5']);
    expect(asked).toEqual([undefined, '2-0', '4-0']);
    // A new event resets the count: each reconnect is a first attempt again.
    expect(reconnects).toEqual([1, 1]);
  });

  it('reconnects after a clean end only while the caller says the stream is not over', async () => {
    let opens = 0;
    let checks = 0;
    const stream = readEventStream({
      policy: FAST,
      open: () => {
        opens += 1;
        return Promise.resolve(body(event(opens), false));
      },
      reconnectAfterEnd: () => Promise.resolve(++checks < 3),
    });
    const seen: string[] = [];
    for await (const m of stream) seen.push(m.data);
    expect(seen).toEqual(['1', '2', '3']);
  });

  it('fails at once when the first connection fails, and on a 4xx at any time', async () => {
    const unreachable = readEventStream({
      policy: FAST,
      open: () => Promise.reject(new CoordinatorUnreachableError('http://x', 'ECONNREFUSED')),
    });
    await expect(unreachable.next()).rejects.toBeInstanceOf(CoordinatorUnreachableError);

    let opens = 0;
    const gone = readEventStream({
      policy: FAST,
      open: () =>
        ++opens === 1
          ? Promise.resolve(body(event(1), true))
          : Promise.reject(new CoordinatorRefusedError(404, 'no job', 'list jobs')),
    });
    await expect(gone.next()).resolves.toMatchObject({ value: { data: '1' } });
    await expect(gone.next()).rejects.toBeInstanceOf(CoordinatorRefusedError);
  });

  it('gives up after maxAttempts reconnects without a new event, with the last error', async () => {
    let opens = 0;
    const stream = readEventStream({
      policy: FAST,
      maxAttempts: 3,
      open: () =>
        ++opens === 1
          ? Promise.resolve(body(event(1), true))
          : Promise.reject(new CoordinatorUnreachableError('http://x', 'ECONNREFUSED')),
    });
    await expect(stream.next()).resolves.toMatchObject({ value: { data: '1' } });
    await expect(stream.next()).rejects.toBeInstanceOf(CoordinatorUnreachableError);
    expect(opens).toBe(4);
  });
});
