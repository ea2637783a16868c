import { initLaneBackend } from '@repvgg/core/compute/backend';
import { DeployModel } from '@repvgg/core/graph/deploy-model';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { computeGradients, computeReplicaGradients } from '../step/compute-gradients';
import { streamReplicaGradients } from '../step/stream-gradients';
import { uploadParams } from '../step/upload-params';
import { evaluationModel } from '../trainer/evaluation-model';
import { evaluateBatch } from '../trainer/validate';
import type { LaneInit, ReplicaReply, ReplicaRequest, ReplicaWorkerInit } from './replica-protocol';

/** How a lane talks to its pool: a thread's parentPort or a child process's IPC channel. */
export interface LaneChannel {
  send(msg: ReplicaReply, transfer: ArrayBuffer[]): void;
  onRequest(handler: (req: ReplicaRequest) => void): void;
}

/**
 * A compute lane: its own tfjs engine and weight copy; computes the replicas it is sent, and
 * evaluates batches on a separate inference model while one is loaded. The same code serves thread
 * lanes (replica.worker.ts), process lanes (replica.process.ts) and a lane on the calling thread
 * (in-thread-replica.pool.ts), which disposes the lane's models with the function this resolves to
 * (a thread's or process's end frees them with its engine).
 */
export async function serveReplicaLane(
  init: LaneInit | ReplicaWorkerInit,
  channel: LaneChannel,
): Promise<() => void> {
  const reply = (msg: ReplicaReply, transfer: ArrayBuffer[] = []): void => {
    channel.send(msg, transfer);
  };
  try {
    // e.g. a module that registers a backend which is no built-in choice (see ReplicaWorkerInit)
    for (const module of init.preload ?? []) await import(module);
    // the main thread already announced the backend; one line per lane would be noise
    const backend = await initLaneBackend(init.backend, { log: () => undefined });
    const training = 'weights' in init ? trainingOf(init) : undefined;
    let evalModel: DeployModel | undefined;
    const handle = (req: ReplicaRequest): void => {
      switch (req.type) {
        case 'compute': {
          if (training === undefined) {
            throw new Error('this lane was started to evaluate only: it has no training weights');
          }
          const { model, geometry } = training;
          uploadParams(model, req.params);
          const plan = req.stream;
          if (plan !== undefined) {
            req.replicas.forEach((mb, replica) => {
              streamReplicaGradients(model, mb, geometry, plan, (part, data) => {
                reply({ type: 'part', id: req.id, replica, part, data }, [
                  data.buffer as ArrayBuffer,
                ]);
              });
            });
            reply({ type: 'done', id: req.id });
            return;
          }
          const packets = req.each
            ? req.replicas.map((mb) => computeReplicaGradients(model, mb, geometry))
            : [computeGradients(model, req.replicas, geometry)];
          const buffers = packets.flatMap((p) => [
            ...p.grads.values(),
            ...p.bnMean.values(),
            ...p.bnVar.values(),
          ]);
          reply(
            { type: 'packets', id: req.id, packets },
            buffers.map((b) => b.buffer as ArrayBuffer),
          );
          return;
        }
        case 'eval-load':
          evalModel?.dispose();
          evalModel = undefined;
          evalModel =
            req.deploy === true
              ? DeployModel.fromStateDict(init.arch, req.weights)
              : evaluationModel(init.arch, req.weights);
          reply({ type: 'done', id: req.id });
          return;
        case 'evaluate':
          if (evalModel === undefined) throw new Error('evaluate before eval-load');
          reply({ type: 'metrics', id: req.id, metrics: evaluateBatch(evalModel, req.batch) });
          return;
        case 'eval-release':
          evalModel?.dispose();
          evalModel = undefined;
          reply({ type: 'done', id: req.id });
          return;
      }
    };
    channel.onRequest((req) => {
      try {
        handle(req);
      } catch (e) {
        reply({ type: 'error', id: req.id, message: (e as Error).message });
      }
    });
    reply({ type: 'ready', backend: backend.name });
    return () => {
      evalModel?.dispose();
      evalModel = undefined;
      training?.model.dispose();
    };
  } catch (e) {
    reply({ type: 'error', message: (e as Error).message });
    return () => undefined;
  }
}

/** A training lane's model and the geometry its steps compute with. */
function trainingOf(init: ReplicaWorkerInit) {
  return {
    model: TrainModel.fromStateDict(init.arch, init.weights),
    geometry: {
      globalBatch: init.globalBatch,
      labelSmoothing: init.labelSmoothing,
      bnSpatial: init.bnSpatial,
    },
  };
}
