import type { RingCollective } from '@repvgg/collective';
import type { AppliedStep, EpochTotals, JobContext } from './job-context';
import { decodeTrainState, encodeTrainState } from './state-transfer';

/** A member's state cannot continue the generation: it receives the broadcast. */
export const HOLDS_NOTHING = 0;
/** The state is at the generation's first step (`resume_step`). */
export const HOLDS_EXPECTED = 1;
/**
 * The state applied the first step already: the all-reduce completed (every member that finished it
 * holds the exact full sum) but the leader was lost before `ReportStep`, so it was never committed.
 */
export const HOLDS_NEXT = 2;

/** How a state at optimizer step `step` serves a generation that continues at step `expected`. */
export function stateHolding(step: number | undefined, expected: number): number {
  if (step === expected + 1) return HOLDS_NEXT;
  if (step === expected) return HOLDS_EXPECTED;
  return HOLDS_NOTHING;
}

/** The member that broadcasts: the most advanced state, the lowest rank (the leader) among equals. */
export function stateRoot(holdings: readonly number[]): number {
  let root = 0;
  holdings.forEach((h, rank) => {
    if (h > (holdings[root] ?? HOLDS_NOTHING)) root = rank;
  });
  return root;
}

interface Progress {
  readonly totals: EpochTotals;
  readonly applied: AppliedStep | null;
}

/**
 * Brings every member of a new generation to the same state, whoever the coordinator made leader:
 * the members tell each other how far their states are, the most advanced one (the leader when none
 * is usable, from the checkpoint or the seed) broadcasts weights, optimizer state, the epoch totals
 * and the record of its last applied step. Afterwards every state is at `expected` or `expected + 1`.
 */
export async function agreeOnState(
  ring: RingCollective,
  ctx: JobContext,
  rank: number,
  expected: number,
  checkpoint: string,
): Promise<void> {
  const own = stateHolding(ctx.state?.step, expected);
  const holdings = new Float32Array(ring.worldSize);
  holdings[rank] = own;
  if (ring.worldSize > 1) await ring.allReduce(expected, holdings);
  const root = stateRoot([...holdings].map((h) => Math.round(h)));
  const isRoot = rank === root;
  if (isRoot && own === HOLDS_NOTHING) await ctx.ensureState(expected, checkpoint);
  if (ring.worldSize === 1) return;
  const state = isRoot ? ctx.state : undefined;
  if (isRoot && state === undefined) throw new RangeError('the state root holds no state');
  const weights = await ring.broadcast(
    expected,
    root,
    state === undefined ? undefined : encodeTrainState(state),
  );
  const progress: Progress = { totals: ctx.epochTotals, applied: ctx.applied ?? null };
  const sent = await ring.broadcast(
    expected,
    root,
    isRoot ? new TextEncoder().encode(JSON.stringify(progress)) : undefined,
  );
  if (isRoot) return;
  ctx.state = decodeTrainState(weights, ctx.sgd);
  const received = JSON.parse(new TextDecoder().decode(sent)) as Progress;
  ctx.epochTotals = { ...received.totals };
  ctx.applied = received.applied ?? undefined;
}
