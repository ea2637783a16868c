/** A line of GET /v1/jobs/:id/logs. */
export interface LogLine {
  readonly at: string;
  readonly source: string;
  readonly message: string;
  readonly generation?: number;
}

/**
 * Where a recovery's time went, in seconds from the fault, from the job's log lines: the first sign
 * of it (a member's failed collective or the coordinator's next generation, with its reason), the
 * last generation formed before the recovering step, every member of that generation agreeing on
 * the state, and the step committed.
 */
export interface RecoveryPhases {
  readonly detectedBy: string;
  readonly detectionSeconds: number;
  readonly rendezvousSeconds: number;
  readonly agreementSeconds: number;
  readonly firstStepSeconds: number;
  /** Generations formed between the fault and the recovering step. */
  readonly generations: number;
}

const COORDINATOR = 'coordinator';

export function recoveryBreakdown(
  fault: { readonly at: number; readonly recoverySeconds: number | null },
  logs: readonly LogLine[],
): Partial<RecoveryPhases> {
  if (fault.recoverySeconds === null) return {};
  const t0 = fault.at;
  const end = t0 + fault.recoverySeconds * 1000;
  const inWindow = logs.filter((l) => {
    const t = Date.parse(l.at);
    return t >= t0 && t <= end;
  });
  const generations = inWindow.filter(
    (l) =>
      l.source === COORDINATOR && l.generation !== undefined && l.message.startsWith('generation '),
  );
  const failures = inWindow.filter((l) => l.source !== COORDINATOR && / failed: /.test(l.message));
  const firstGen = generations.at(0);
  const firstFail = failures.at(0);
  const lastGen = generations.at(-1);
  if (firstGen === undefined || lastGen === undefined) return {};
  const byFailure =
    firstFail !== undefined && Date.parse(firstFail.at) < Date.parse(firstGen.at)
      ? firstFail
      : undefined;
  const detected = byFailure ?? firstGen;
  const reason = /\(([^()]*)\)$/.exec(firstGen.message)?.[1] ?? firstGen.message;
  const detectedBy =
    byFailure === undefined
      ? reason
      : `a member: ${byFailure.message.split(' failed: ').at(1) ?? ''}`;
  const agreedLines = inWindow.filter(
    (l) =>
      l.source !== COORDINATOR &&
      l.generation === lastGen.generation &&
      l.message.includes('state at step'),
  );
  const agreed = agreedLines.reduce(
    (t, l) => Math.max(t, Date.parse(l.at)),
    Date.parse(lastGen.at),
  );
  const s = (ms: number): number => Math.round(ms) / 1000;
  return {
    detectedBy: detectedBy.slice(0, 160),
    detectionSeconds: s(Date.parse(detected.at) - t0),
    rendezvousSeconds: s(Date.parse(lastGen.at) - Date.parse(detected.at)),
    agreementSeconds: s(agreed - Date.parse(lastGen.at)),
    firstStepSeconds: s(end - agreed),
    generations: generations.length,
  };
}
