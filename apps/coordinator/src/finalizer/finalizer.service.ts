import { Injectable } from '@nestjs/common';
import type { JobRecord } from '@repvgg/contracts';
import { startModuleWorker } from '@repvgg/training/parallel/module-worker';
import { ArtifactRepository } from '../repositories/artifact.repository';
import type { FinalizeJobInput } from './finalize-job';
import type { FinalizeReply } from './finalize.thread';
import { FinalizeError } from './finalize.error';

/**
 * After the last epoch: runs `finalizeJob` (fuse, verify, write the deploy bundle and the final
 * checkpoint) in a thread of its own, one per finalization, so the coordinator's event loop keeps
 * serving heartbeats, the Watch streams and the API meanwhile.
 */
@Injectable()
export class FinalizerService {
  constructor(
    private readonly artifacts: ArtifactRepository,
    private readonly codeVersion: string,
  ) {}

  /** Returns a one-line summary for the job's final transition; rejects with the failure reason. */
  run(record: JobRecord): Promise<string> {
    const input: FinalizeJobInput = {
      storeRoot: this.artifacts.store.root,
      record,
      codeVersion: this.codeVersion,
    };
    const thread = startModuleWorker(__dirname, 'finalize.thread', input);
    return new Promise<string>((resolve, reject) => {
      let answered = false;
      thread.once('message', (msg: FinalizeReply) => {
        answered = true;
        if (msg.ok) resolve(msg.summary);
        else reject(new FinalizeError(msg.message));
      });
      thread.once('error', (err) => {
        answered = true;
        reject(new FinalizeError(`the finalizer thread failed: ${err.message}`));
      });
      thread.once('exit', (code) => {
        if (!answered) {
          reject(new FinalizeError(`the finalizer thread exited with code ${code} and no answer`));
        }
      });
    }).finally(() => void thread.terminate());
  }
}
