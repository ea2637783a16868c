/** Small display helpers shared by the pages. */

export const percent = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u] ?? 'TiB'}`;
}

export const ageOf = (iso: string, now = Date.now()): string =>
  duration((now - Date.parse(iso)) / 1000);

/** An architecture as the spec holds it: an official name or a custom constructor's terms. */
export const archLabel = (arch: unknown): string =>
  typeof arch === 'string'
    ? arch
    : `custom ${JSON.stringify((arch as { numBlocks?: unknown }).numBlocks ?? '')}`;
