const LISTED = 5;

export interface MisShapedKey {
  readonly key: string;
  readonly expected: string;
  readonly actual: string;
}

/** A state dict does not fit the architecture; the message names the first few offending keys. */
export class StateDictMismatchError extends Error {
  override readonly name = 'StateDictMismatchError';

  constructor(
    readonly archName: string,
    readonly kind: 'train' | 'deploy',
    readonly missing: readonly string[],
    readonly extra: readonly string[],
    readonly misShaped: readonly MisShapedKey[],
    hint: string,
  ) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`${count(missing.length)} missing (${list(missing)})`);
    if (extra.length > 0) parts.push(`${count(extra.length)} unexpected (${list(extra)})`);
    if (misShaped.length > 0) {
      const shown = misShaped
        .slice(0, LISTED)
        .map((m) => `${m.key}: expected ${m.expected}, got ${m.actual}`);
      parts.push(`${count(misShaped.length)} mis-shaped (${more(shown, misShaped.length)})`);
    }
    super(`checkpoint does not match ${archName} (${kind} keys): ${parts.join('; ')}; ${hint}`);
  }
}

/** The state dict is neither a training (multi-branch) nor a deploy (fused) RepVGG state dict. */
export class UnknownStateDictKindError extends Error {
  override readonly name = 'UnknownStateDictKindError';

  constructor(readonly sampleKeys: readonly string[]) {
    super(
      `not a RepVGG state dict (no rbr_dense or rbr_reparam keys; first keys: ${list(sampleKeys)}): pass a checkpoint saved from RepVGG`,
    );
  }
}

function count(n: number): string {
  return `${String(n)} key${n === 1 ? '' : 's'}`;
}

function list(keys: readonly string[]): string {
  return more(keys.slice(0, LISTED), keys.length);
}

function more(shown: readonly string[], total: number): string {
  const rest = total - shown.length;
  return rest > 0 ? `${shown.join(', ')}, … ${String(rest)} more` : shown.join(', ');
}
