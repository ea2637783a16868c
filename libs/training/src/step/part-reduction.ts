/** Sums one part's contributions across every member (e.g. `RingCollective.allReduceContributions`). */
export type ReducePart = (
  part: number,
  contributions: readonly Float32Array[],
) => Promise<Float32Array>;

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * The all-reduce of a step's packets part by part (`BucketPlan`) while they are still being computed:
 * part p is reduced once each of this member's `replicas` has offered it and every earlier part is
 * reduced, and not before `start` (e.g. until the previous step is committed nothing of this step
 * may reach the ring). Every member reduces the same parts in the same order, one at a time, so a
 * collective that numbers its calls per step pairs them up. The sum of a part depends only on its
 * contributions: the same bits as the whole packets summed at once wherever the sum is elementwise
 * (fast mode on two members: one IEEE addition per element).
 */
export class PartReduction {
  private readonly offered: (Float32Array | undefined)[][];
  private readonly complete: Gate[];
  private readonly started = gate();
  /** Settles only by rejecting, with the first misplaced offer. */
  private readonly refused: Promise<never>;
  private refuse: (e: Error) => void = () => undefined;
  /** The summed parts in plan order; rejects with the first failed reduction. */
  readonly done: Promise<Float32Array[]>;

  constructor(
    parts: number,
    private readonly replicas: number,
    reduce: ReducePart,
  ) {
    if (!Number.isInteger(parts) || parts < 1 || !Number.isInteger(replicas) || replicas < 1) {
      throw new RangeError(`a part reduction needs parts and replicas ≥ 1 (${parts}, ${replicas})`);
    }
    this.offered = Array.from({ length: parts }, () =>
      new Array<Float32Array | undefined>(replicas).fill(undefined),
    );
    this.complete = Array.from({ length: parts }, gate);
    this.refused = new Promise<never>((_, reject) => {
      this.refuse = reject;
    });
    this.refused.catch(() => undefined);
    this.done = this.run(reduce);
    this.done.catch(() => undefined);
  }

  /**
   * Replica `replica`'s part `part`, each exactly once (a misplaced one fails `done`: it comes from a
   * lane, where throwing would reach no caller).
   */
  offer(replica: number, part: number, data: Float32Array): void {
    const slots = Number.isInteger(part) && part >= 0 ? this.offered.at(part) : undefined;
    if (slots === undefined || !(replica >= 0 && replica < this.replicas)) {
      this.refuse(new RangeError(`no part ${part} of replica ${replica} is expected`));
      return;
    }
    if (slots[replica] !== undefined) {
      this.refuse(new RangeError(`part ${part} of replica ${replica} was offered twice`));
      return;
    }
    slots[replica] = data;
    if (slots.filter((s) => s !== undefined).length === this.replicas) this.complete[part].open();
  }

  /** Lets the reductions begin (parts already complete go at once). */
  start(): void {
    this.started.open();
  }

  private async run(reduce: ReducePart): Promise<Float32Array[]> {
    await Promise.race([this.started.opened, this.refused]);
    const sums: Float32Array[] = [];
    for (let part = 0; part < this.offered.length; part++) {
      await Promise.race([this.complete[part].opened, this.refused]);
      sums.push(await reduce(part, this.offered[part] as Float32Array[]));
    }
    return sums;
  }
}
