/** `host:port` (IPv6 hosts in brackets) split into its parts; the brackets are dropped. */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return {
    host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(address.slice(colon + 1)),
  };
}

/**
 * The host of `host:port` or `[v6]:port`, and of an address without a port (`localhost`, a bare
 * `::1` or `[::1]`): the whole address then, its brackets dropped.
 */
export function hostOf(address: string): string {
  const bracketed = address.startsWith('[');
  if (bracketed && address.endsWith(']')) return address.slice(1, -1);
  const colon = address.lastIndexOf(':');
  if (!bracketed && (colon < 0 || address.indexOf(':') !== colon)) return address;
  return splitHostPort(address).host;
}
