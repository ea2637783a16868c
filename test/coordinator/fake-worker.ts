import * as grpc from '@grpc/grpc-js';
import { basename } from 'node:path';
import type { Assignment__Output, RendezvousClient, StepReply__Output } from '@repvgg/contracts';
import { initStateDict } from '@repvgg/core/weights/init';
import { saveCheckpoint } from '@repvgg/training/checkpoint/checkpoint.store';
import { CHECKPOINT_FORMAT } from '@repvgg/training/checkpoint/checkpoint-meta';
import { archForClasses } from '@repvgg/core/arch/arch-for-classes';
import { ArtifactStore } from '@repvgg/training/store/artifact.store';
import { CHECKPOINTS_DIR } from '@repvgg/training/store/store-layout';
import { loadRendezvousProto } from '../../apps/coordinator/src/rendezvous/rendezvous.grpc-server';
import { jobSpecSchema } from '@repvgg/contracts';

const call = <Req, Res>(
  fn: (req: Req, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  req: Req,
): Promise<Res> =>
  new Promise((resolve, reject) => {
    fn(req, (err, res) => {
      if (err !== null || res === undefined) reject(err ?? new Error('empty reply'));
      else resolve(res);
    });
  });

/**
 * A worker as the rendezvous sees it, over real gRPC: registers, heartbeats, watches its
 * assignment and, as leader, "trains" by reporting each step (no tensors), validates by writing a
 * real training checkpoint of the job's architecture and reporting the epoch.
 */
export class FakeWorker {
  id = '';
  assignment: Assignment__Output | null = null;
  readonly assignments: Assignment__Output[] = [];
  stepsReported = 0;
  private readonly client: RendezvousClient;
  private readonly store: ArtifactStore;
  private watch: grpc.ClientReadableStream<Assignment__Output> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private completed = 0;
  private running = false;
  private killed = false;

  constructor(
    grpcPort: number,
    private readonly numClasses: number,
    private readonly stepMs: number,
    /** Where this worker mounts the coordinator's artifact store. */
    artifactsRoot: string,
  ) {
    this.store = new ArtifactStore(artifactsRoot);
    const proto = loadRendezvousProto();
    this.client = new proto.repvgg.rendezvous.v1.Rendezvous(
      `127.0.0.1:${grpcPort}`,
      grpc.credentials.createInsecure(),
    );
  }

  async start(): Promise<this> {
    const reply = await call(this.client.register.bind(this.client), {
      address: `127.0.0.1:${40000 + Math.floor(Math.random() * 10000)}`,
      backend: 'cpu',
      capabilities: ['fake'],
    });
    this.id = reply.workerId;
    this.heartbeat = setInterval(() => {
      this.client.heartbeat(
        {
          workerId: this.id,
          jobId: this.assignment?.jobId ?? '',
          generation: this.assignment?.generation ?? 0,
          completedSteps: this.completed,
        },
        () => undefined,
      );
    }, reply.heartbeatMs);
    this.watch = this.client.watch({ workerId: this.id });
    this.watch.on('data', (a: Assignment__Output) => {
      this.assignment = a;
      this.assignments.push(a);
      this.work(a).catch(() => undefined);
    });
    this.watch.on('error', () => undefined);
    return this;
  }

  drain(): Promise<unknown> {
    return call(this.client.drain.bind(this.client), { workerId: this.id });
  }

  /** Dies without a word: heartbeats stop and the Watch stream is cut. */
  kill(): void {
    this.killed = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.watch?.cancel();
    this.client.close();
  }

  /** Freezes: heartbeats stop but the stream stays open (the coordinator must time it out). */
  freeze(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
  }

  private current(a: Assignment__Output): boolean {
    return this.assignment === a;
  }

  private async work(a: Assignment__Output): Promise<void> {
    if (a.leaderId !== this.id || this.running || this.killed) return;
    this.running = true;
    try {
      if (a.shard) await this.trainShard(a);
      else if (a.validate) await this.validate(a);
    } finally {
      this.running = false;
    }
    const latest = this.assignment;
    if (latest !== null && latest !== a) await this.work(latest);
  }

  private async trainShard(a: Assignment__Output): Promise<void> {
    const s = a.shard!;
    for (let step = s.resumeStep; step < s.endStep; step++) {
      if (!this.current(a) || this.killed) return;
      await new Promise((r) => setTimeout(r, this.stepMs));
      const reply: StepReply__Output = await call(this.client.reportStep.bind(this.client), {
        workerId: this.id,
        jobId: a.jobId,
        generation: a.generation,
        epoch: s.epoch,
        step,
        loss: 2 / (1 + step),
        lr: 0.1,
        images: 8,
        seconds: this.stepMs / 1000,
        allreduceSeconds: 0.001,
      });
      this.stepsReported++;
      this.completed = s.epoch * s.stepsPerEpoch + step + 1;
      if (!reply.proceed) return;
    }
  }

  private async validate(a: Assignment__Output): Promise<void> {
    const spec = jobSpecSchema.parse(JSON.parse(a.jobSpecJson));
    const arch = archForClasses(spec.architecture, this.numClasses);
    const epoch = a.validate!.epoch;
    const dir = await saveCheckpoint(this.store.path(`${a.artifactDir}/${CHECKPOINTS_DIR}`), {
      weights: initStateDict(arch, spec.seed),
      momentum: new Map(),
      meta: {
        format: CHECKPOINT_FORMAT,
        arch: {},
        cursor: { epoch: epoch + 1, step: 0, globalStep: this.completed },
        rng: { seed: spec.seed },
        optimizer: { momentum: 0.9, weightDecay: 1e-4, nesterov: false },
        schedule: { baseLr: 0.1, totalSteps: 1, warmupSteps: 0 },
        history: [],
        run: {},
      },
    });
    await call(this.client.reportEpoch.bind(this.client), {
      workerId: this.id,
      jobId: a.jobId,
      generation: a.generation,
      epoch,
      valLoss: 1,
      top1: 0.5 + epoch / 100,
      top5: 0.9,
      imagesPerSecond: 100,
      checkpoint: `${CHECKPOINTS_DIR}/${basename(dir)}`,
    });
  }
}
