import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.reader';

describe('SseParser', () => {
  it('splits events across chunk boundaries and keeps the last id', () => {
    const p = new SseParser();
    expect(p.push('id: 1-0\nevent: st')).toEqual([]);
    expect(p.push('ate\ndata: {"a":1}\n\nid: 2-0\ndata: x\r\ndata: y\r\n\r\n')).toEqual([
      { id: '1-0', event: 'state', data: '{"a":1}' },
      { id: '2-0', event: 'message', data: 'x\ny' },
    ]);
  });

  it('ignores comments and events without data', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\nevent: log\n\nevent: log\ndata:z\n\n')).toEqual([
      { id: null, event: 'log', data: 'z' },
    ]);
  });
});
