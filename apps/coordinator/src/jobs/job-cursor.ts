/** Where a page of jobs ended: the last job's creation time (ms) and id, the sorted set's order. */
export interface JobCursor {
  readonly at: number;
  readonly id: string;
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** The opaque `nextCursor` a client sends back to get the following page. */
export function encodeJobCursor(c: JobCursor): string {
  return Buffer.from(`${c.at}.${c.id}`, 'utf8').toString('base64url');
}

/** The cursor encoded in `text`, or null when it is not one `encodeJobCursor` wrote. */
export function decodeJobCursor(text: string): JobCursor | null {
  const plain = Buffer.from(text, 'base64url').toString('utf8');
  const dot = plain.indexOf('.');
  if (dot <= 0) return null;
  const at = Number(plain.slice(0, dot));
  const id = plain.slice(dot + 1);
  if (!Number.isSafeInteger(at) || at < 0 || !ID.test(id)) return null;
  return encodeJobCursor({ at, id }) === text ? { at, id } : null;
}
