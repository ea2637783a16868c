import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from './sse.parser';

const STREAM =
  'id: 1-0\nevent: state\ndata: {"a":1}\n\n' +
  ': keep-alive comment\n\n' +
  'id: 2-0\r\nevent: step\r\ndata: {"b":"é"}\r\n\r\n' +
  'id: 3-0\revent: epoch\rdata: line one\rdata: line two\r\r' +
  'data: no id or event\n\n';

const EXPECTED: SseMessage[] = [
  { id: '1-0', event: 'state', data: '{"a":1}' },
  { id: '2-0', event: 'step', data: '{"b":"é"}' },
  { id: '3-0', event: 'epoch', data: 'line one\nline two' },
  { id: '3-0', event: 'message', data: 'no id or event' },
];

function feed(chunks: readonly Uint8Array[]): SseMessage[] {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
}

describe('SseParser', () => {
  it('parses LF, CRLF and CR line breaks, comments, multi-line data and a kept id', () => {
    expect(feed([new TextEncoder().encode(STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same events for every split of the bytes into two or three chunks', () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let i = 0; i <= bytes.length; i++) {
      expect(feed([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`).toEqual(EXPECTED);
      const j = Math.min(bytes.length, i + 7);
      expect(
        feed([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]),
        `split at ${i}, ${j}`,
      ).toEqual(EXPECTED);
    }
  });

  it('feeds one byte at a time (a chunk may end inside a UTF-8 sequence or a CRLF)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    expect(feed([...bytes].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it('keeps an unfinished event until its blank line, and starts from a given Last-Event-ID', () => {
    const parser = new SseParser('7-0');
    expect(parser.push('event: state\ndata: x\n')).toEqual([]);
    expect(parser.lastEventId).toBe('7-0');
    expect(parser.push('\n')).toEqual([{ id: '7-0', event: 'state', data: 'x' }]);
    expect(parser.push('id: 8-0\nretry: 2500\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('8-0');
    expect(parser.retryMs).toBe(2500);
  });
});
