/** One dispatched server-sent event. */
export interface SseMessage {
  /** The `event:` field, `message` when the server sent none. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen on the stream so far (what Last-Event-ID must carry on reconnect). */
  readonly id: string | undefined;
}

/**
 * The `text/event-stream` grammar of the HTML standard, fed in arbitrary chunks: a chunk may end
 * inside a UTF-8 sequence, inside a line, or between the `\r` and `\n` of one line break.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  /** A chunk ended on `\r`: a `\n` that starts the next chunk belongs to the same line break. */
  private pendingCr = false;
  private event = '';
  private data: string[] = [];
  private hasData = false;
  private lastId: string | undefined;
  /** The server's `retry:` in ms, when it sent one. */
  retryMs: number | undefined;

  constructor(lastEventId?: string) {
    this.lastId = lastEventId;
  }

  get lastEventId(): string | undefined {
    return this.lastId;
  }

  /** Parses a chunk; returns the events it completed. */
  push(chunk: Uint8Array | string): SseMessage[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      const line = this.buffer.slice(start, end);
      if (this.buffer[end] === '\r') {
        if (end + 1 === this.buffer.length) {
          this.pendingCr = true;
          start = end + 1;
        } else start = this.buffer[end + 1] === '\n' ? end + 2 : end + 1;
      } else start = end + 1;
      const message = this.line(line);
      if (message !== undefined) out.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.hasData
      ? {
          event: this.event === '' ? 'message' : this.event,
          data: this.data.join('\n'),
          id: this.lastId,
        }
      : undefined;
    this.event = '';
    this.data = [];
    this.hasData = false;
    return message;
  }
}
