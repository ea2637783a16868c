import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@repvgg/core/compute/backend';
import type { DeployModel } from '@repvgg/core/graph/deploy-model';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { computeGradients, computeReplicaGradients } from '../step/compute-gradients';
import { uploadParams } from '../step/upload-params';
import { evaluationModel } from '../trainer/evaluation-model';
import { evaluateBatch } from '../trainer/validate';
import type { ReplicaReply, ReplicaRequest, ReplicaWorkerInit } from './replica-protocol';

/**
 * A compute lane: its own tfjs engine and weight copy; computes the replicas it is sent, and
 * evaluates batches on a separate inference model while one is loaded.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const init = workerData as ReplicaWorkerInit;
  const reply = (msg: ReplicaReply, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(msg, transfer);
  };
  try {
    // the main thread already announced the backend; one line per lane would be noise
    const backend = await initBackend(init.backend, { log: () => undefined });
    const model = TrainModel.fromStateDict(init.arch, init.weights);
    let evalModel: DeployModel | undefined;
    const geometry = {
      globalBatch: init.globalBatch,
      labelSmoothing: init.labelSmoothing,
      bnSpatial: init.bnSpatial,
    };
    const handle = (req: ReplicaRequest): void => {
      switch (req.type) {
        case 'compute': {
          uploadParams(model, req.params);
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
          evalModel = evaluationModel(init.arch, req.weights);
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
    port.on('message', (req: ReplicaRequest) => {
      try {
        handle(req);
      } catch (e) {
        reply({ type: 'error', id: req.id, message: (e as Error).message });
      }
    });
    reply({ type: 'ready', backend: backend.name });
  } catch (e) {
    reply({ type: 'error', message: (e as Error).message });
  }
}

void main();
