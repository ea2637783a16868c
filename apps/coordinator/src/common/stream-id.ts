/** Whether Redis stream id `a` (`<ms>-<seq>`) comes after `b`. */
export function streamIdAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

/** A Last-Event-ID header that is a Redis stream id; anything else means "from the start". */
export function streamIdOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^\d+-\d+$/.test(header) ? header : undefined;
}
