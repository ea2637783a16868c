/** The membership a transport serves, as the servers that admit peers see it. */
export interface MemberView {
  readonly rank: number;
  readonly worldSize: number;
  readonly job: string;
  readonly generation: number;
  /** Constant-time check of the generation token. */
  tokenMatches(token: string): boolean;
}

/** A caller's claim to be a member: from a gRPC call or a data-plane hello. */
export interface MembershipClaim {
  job: string;
  generation: number;
  token: string;
  rank: number;
}

/**
 * Why a claim is refused, or undefined when it is accepted. 'not-yet': this member has not joined that
 * generation (the caller retries until its deadline); 'over': the caller's generation ended; 'denied':
 * another job, a bad token or a rank that is not a peer.
 */
export function membershipRefusal(
  here: MemberView | undefined,
  claim: MembershipClaim,
): { kind: 'not-yet' | 'over' | 'denied'; details: string } | undefined {
  if (here === undefined || claim.generation > here.generation) {
    return { kind: 'not-yet', details: `generation ${claim.generation} not open here yet` };
  }
  if (claim.job !== here.job) {
    return { kind: 'denied', details: `job ${claim.job} is not served here` };
  }
  if (claim.generation < here.generation) {
    return {
      kind: 'over',
      details: `generation ${claim.generation} is over (current ${here.generation})`,
    };
  }
  if (!here.tokenMatches(claim.token)) return { kind: 'denied', details: 'bad generation token' };
  if (
    !Number.isInteger(claim.rank) ||
    claim.rank < 0 ||
    claim.rank >= here.worldSize ||
    claim.rank === here.rank
  ) {
    return { kind: 'denied', details: `rank ${claim.rank} is not a peer` };
  }
  return undefined;
}
