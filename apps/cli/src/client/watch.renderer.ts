/** Where `watchJob` writes: a terminal gets a progress bar redrawn in place, a file plain lines. */
export interface WatchOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Prints permanent lines and, on a terminal, one progress line kept below them. */
export class WatchRenderer {
  private bar = '';
  private lastPlainStep = -Infinity;

  constructor(
    private readonly out: WatchOutput,
    /** Without a terminal: at most one progress line per this many ms. */
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  line(text: string): void {
    this.clearBar();
    this.out.write(`${text}\n`);
    if (this.bar !== '') this.out.write(this.bar);
  }

  progress(text: string): void {
    if (this.out.isTTY === true) {
      const width = this.out.columns ?? 120;
      this.clearBar();
      this.bar = text.length >= width ? `${text.slice(0, width - 2)}…` : text;
      this.out.write(this.bar);
      return;
    }
    const now = this.now();
    if (now - this.lastPlainStep < this.everyMs) return;
    this.lastPlainStep = now;
    this.out.write(`${text}\n`);
  }

  finish(): void {
    this.clearBar();
    this.bar = '';
  }

  private clearBar(): void {
    if (this.bar !== '') this.out.write('\r\x1b[2K');
  }
}
