import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { jobRecordSchema } from '@repvgg/contracts';
import { finalizeJob } from './finalize-job';

/** What the finalizer thread answers: the summary, or the failure that becomes the job's reason. */
export type FinalizeReply =
  | { readonly ok: true; readonly summary: string }
  | { readonly ok: false; readonly message: string };

const inputSchema = z.object({
  storeRoot: z.string(),
  record: jobRecordSchema,
  codeVersion: z.string(),
});

// Runs one finalization in its own thread (FinalizerService): fusing, exporting and verifying take
// seconds of CPU that must not hold up the event loop serving every job's heartbeats.
if (parentPort !== null) {
  const port = parentPort;
  const reply = (msg: FinalizeReply): void => {
    port.postMessage(msg);
  };
  Promise.resolve()
    .then(() => finalizeJob(inputSchema.parse(workerData)))
    .then(
      (summary) => {
        reply({ ok: true, summary });
      },
      (err: unknown) => {
        reply({ ok: false, message: err instanceof Error ? err.message : String(err) });
      },
    );
}
