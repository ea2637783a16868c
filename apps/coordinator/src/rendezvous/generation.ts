export interface GenerationMember {
  readonly workerId: string;
  readonly address: string;
  readonly rank: number;
  /** Virtual replicas this member computes. */
  readonly replicas: readonly number[];
}

/** One membership of a job: fixed members in ring order, a leader and a token peers check. */
export interface Generation {
  readonly jobId: string;
  readonly number: number;
  readonly token: string;
  readonly members: readonly GenerationMember[];
  readonly leaderId: string;
}

export interface Candidate {
  readonly workerId: string;
  readonly address: string;
  /** Steps committed since the start of training, as the worker last reported. */
  readonly completedSteps: number;
}

/**
 * Ring order of the next generation: the most advanced candidate leads (it broadcasts its state),
 * members of the previous ring keep their relative order, newcomers follow in the given order.
 */
export function ringOrder(
  candidates: readonly Candidate[],
  previous: readonly string[],
): Candidate[] {
  const pos = (id: string): number => {
    const i = previous.indexOf(id);
    return i < 0 ? previous.length : i;
  };
  const ordered = candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => pos(a.c.workerId) - pos(b.c.workerId) || a.i - b.i)
    .map(({ c }) => c);
  let lead = 0;
  ordered.forEach((c, i) => {
    if (c.completedSteps > (ordered[lead]?.completedSteps ?? 0)) lead = i;
  });
  return [...ordered.slice(lead, lead + 1), ...ordered.slice(0, lead), ...ordered.slice(lead + 1)];
}

/** Contiguous split of V virtual replicas over N members; the first V mod N members take one more. */
export function splitReplicas(virtualReplicas: number, members: number): number[][] {
  const out: number[][] = [];
  let next = 0;
  for (let r = 0; r < members; r++) {
    const n = Math.floor(virtualReplicas / members) + (r < virtualReplicas % members ? 1 : 0);
    out.push(Array.from({ length: n }, (_, i) => next + i));
    next += n;
  }
  return out;
}

export function formGeneration(
  jobId: string,
  number: number,
  token: string,
  candidates: readonly Candidate[],
  previous: readonly string[],
  virtualReplicas: number,
): Generation {
  const ring = ringOrder(candidates, previous);
  const replicas = splitReplicas(virtualReplicas, ring.length);
  const members = ring.map((c, rank) => ({
    workerId: c.workerId,
    address: c.address,
    rank,
    replicas: replicas[rank] ?? [],
  }));
  return { jobId, number, token, members, leaderId: members[0]?.workerId ?? '' };
}
