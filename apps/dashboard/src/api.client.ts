import { SseParser, type SseMessage } from './sse.reader';

export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}

/** A non-2xx answer of the coordinator: its status, one-line message and the 400's field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    super(message);
  }
}

const errorOf = async (res: Response): Promise<ApiError> => {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { message?: unknown; issues?: unknown };
    const issues = Array.isArray(body.issues) ? (body.issues as ApiIssue[]) : [];
    const message = typeof body.message === 'string' ? body.message : res.statusText;
    return new ApiError(res.status, message, issues);
  } catch {
    return new ApiError(res.status, text.trim() || res.statusText);
  }
};

/** The coordinator's REST API with the user's bearer token on every call. */
export class Api {
  constructor(readonly token: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw await errorOf(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  async blob(path: string): Promise<Blob> {
    const res = await fetch(path, { headers: this.headers() });
    if (!res.ok) throw await errorOf(res);
    return res.blob();
  }

  /**
   * Reads a server-sent event stream until the server ends it (a finished job) or `signal` aborts;
   * a broken connection is retried after `retryMs` from the last event id, as EventSource would.
   */
  async follow(
    path: string,
    onMessage: (m: SseMessage) => void,
    signal: AbortSignal,
    retryMs = 2000,
  ): Promise<void> {
    let lastId: string | null = null;
    // read through a function: the loop's condition would otherwise narrow it to false for good
    const aborted = (): boolean => signal.aborted;
    while (!aborted()) {
      try {
        const res = await fetch(path, {
          headers: this.headers(lastId === null ? {} : { 'Last-Event-ID': lastId }),
          signal,
        });
        if (!res.ok) throw await errorOf(res);
        if (res.body === null) return;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          for (const m of parser.push(value)) {
            if (m.id !== null) lastId = m.id;
            onMessage(m);
          }
        }
      } catch (err) {
        // 4xx will not get better by retrying; an aborted page is simply gone.
        if (aborted() || (err instanceof ApiError && err.status < 500)) throw err;
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }
}
