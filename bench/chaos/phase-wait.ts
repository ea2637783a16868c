import { setTimeout as delay } from 'node:timers/promises';
import { watch, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { JobWatch } from './job-watch';
import type { PhaseTrigger } from './phase-aim';
import type { CommittedStep } from './step-audit';

/** How a fault found its phase: the event it struck on, and when, from the last commit. */
export interface PhaseHit {
  readonly struckOn: string;
  /** Milliseconds from the last commit the coordinator recorded to the strike. */
  readonly msAfterCommit: number | null;
}

export interface PhaseWaitContext {
  readonly watch: JobWatch;
  /** The job's checkpoint directory (saveCheckpoint's root). */
  readonly checkpointDir: string;
  /** A running member that writes no checkpoint (not the leader), for `bytes-sent`. */
  readonly follower: () => number | undefined;
  /** Give up waiting after this long and strike anyway (the record says so). */
  readonly timeoutMs: number;
}

/** Bytes the process has written (to files and sockets) so far; undefined once it is gone. */
function bytesWritten(pid: number): number | undefined {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** The next step committed after the call, read every 50 ms (the watch's own loop is slower). */
async function nextCommit(ctx: PhaseWaitContext, deadline: number): Promise<CommittedStep | null> {
  const seen = ctx.watch.history.steps.length;
  while (Date.now() < deadline) {
    await ctx.watch.poll(50).catch(() => undefined);
    const s = ctx.watch.history.steps.at(seen);
    if (s !== undefined) return ctx.watch.latest() ?? s;
    await delay(50);
  }
  return null;
}

/** Raises this process' scheduling priority when allowed; `restore` puts it back. */
function raisePriority(): { restore(): void } {
  const was = getPriority();
  try {
    setPriority(-10);
  } catch {
    // Not root: watch at the normal priority.
  }
  return {
    restore: () => {
      try {
        setPriority(was);
      } catch {
        // Lowering back may only fail when raising failed too.
      }
    },
  };
}

const sinceCommit = (s: CommittedStep | undefined): number | null =>
  s === undefined ? null : Date.now() - Date.parse(s.at);

/**
 * Resolves at the moment of the trigger (the caller strikes synchronously on resolution, before
 * any other I/O), or after `timeoutMs` with `struckOn` saying the phase was not found.
 */
export async function waitForPhase(
  trigger: PhaseTrigger,
  ctx: PhaseWaitContext,
): Promise<PhaseHit> {
  const deadline = Date.now() + ctx.timeoutMs;
  const missed = (why: string): PhaseHit => ({
    struckOn: `not found (${why})`,
    msAfterCommit: sinceCommit(ctx.watch.latest()),
  });
  switch (trigger.kind) {
    case 'timed': {
      const s = await nextCommit(ctx, deadline);
      if (s === null) return missed('no commit');
      await delay(Date.parse(s.at) + trigger.afterCommitMs - Date.now());
      return {
        struckOn: `${trigger.afterCommitMs} ms after a commit`,
        msAfterCommit: sinceCommit(s),
      };
    }
    case 'bytes-sent': {
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        const s = await nextCommit(ctx, deadline);
        if (s === null) break;
        const seen = ctx.watch.history.steps.length;
        // Aimed by the step before the arming; when steps got shorter since (a slow first step of
        // a generation), watching from that far on misses every all-reduce: start earlier each time.
        await delay(Date.parse(s.at) + trigger.afterCommitMs / 2 ** attempt - Date.now());
        const pid = ctx.follower();
        const from = pid === undefined ? undefined : bytesWritten(pid);
        if (pid === undefined || from === undefined) return missed('no follower to watch');
        // On a loaded machine a normal-priority poller is off the CPU for longer than the whole
        // all-reduce; a raised priority (root only) keeps it watching, for at most one step.
        const priority = raisePriority();
        try {
          // Busy enough to see a 30 ms all-reduce begin; stops at the next commit (missed: retry).
          for (let polls = 0; ctx.watch.history.steps.length === seen && Date.now() < deadline;) {
            const now = bytesWritten(pid);
            if (now === undefined) return missed('the follower is gone');
            if (now - from >= trigger.minBytes) {
              return {
                struckOn: `${now - from} bytes sent by a follower`,
                msAfterCommit: sinceCommit(s),
              };
            }
            // setImmediate, not a timer: a 1 ms timer fires tens of ms late on a loaded machine.
            await new Promise((r) => setImmediate(r));
            if (++polls % 5000 === 0) await ctx.watch.poll(50).catch(() => undefined);
          }
        } finally {
          priority.restore();
        }
      }
      return missed('no all-reduce seen');
    }
    case 'checkpoint-file': {
      const hit = await new Promise<string | null>((resolve) => {
        const timer = setTimeout(() => {
          w.close();
          resolve(null);
        }, ctx.timeoutMs);
        const w = watch(ctx.checkpointDir, (_event, name) => {
          if (name !== null && trigger.name.test(name)) {
            clearTimeout(timer);
            w.close();
            resolve(name);
          }
        });
      });
      return hit === null
        ? missed(`no ${trigger.what}`)
        : {
            struckOn: `${trigger.what} (${hit})`,
            msAfterCommit: sinceCommit(ctx.watch.latest()),
          };
    }
    case 'epoch-end': {
      while (Date.now() < deadline) {
        const s = await nextCommit(ctx, deadline);
        if (s?.step === trigger.step) {
          return { struckOn: `epoch ${s.epoch} ended`, msAfterCommit: sinceCommit(s) };
        }
      }
      return missed('no epoch end');
    }
  }
}
