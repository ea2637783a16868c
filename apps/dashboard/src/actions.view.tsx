import { useState } from 'preact/hooks';
import type { JobRecord } from '@repvgg/contracts/job/job-record.schema';
import { RESUMABLE_STATES, TERMINAL_STATES } from '@repvgg/contracts/job/job-state';
import type { Api } from './api.client';

/** Cancel, resume and delete, offered only in the states the API allows them. */
export function JobActions({
  api,
  job,
  onDone,
}: {
  api: Api;
  job: JobRecord;
  onDone: (action: 'cancel' | 'resume' | 'delete') => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const run = (action: 'cancel' | 'resume' | 'delete'): void => {
    if (action === 'delete' && !confirm(`Delete job ${job.id} and its artifacts?`)) return;
    const call =
      action === 'delete'
        ? api.json<undefined>('DELETE', `/v1/jobs/${job.id}`)
        : api.json<JobRecord>('POST', `/v1/jobs/${job.id}/${action}`);
    call.then(
      () => {
        setError(null);
        onDone(action);
      },
      (err: unknown) => {
        setError((err as Error).message);
      },
    );
  };
  const terminal = TERMINAL_STATES.has(job.state);
  return (
    <span class="actions">
      {!terminal && (
        <button
          type="button"
          onClick={() => {
            run('cancel');
          }}
        >
          Cancel
        </button>
      )}
      {RESUMABLE_STATES.has(job.state) && (
        <button
          type="button"
          onClick={() => {
            run('resume');
          }}
        >
          Resume
        </button>
      )}
      {terminal && (
        <button
          type="button"
          class="danger"
          onClick={() => {
            run('delete');
          }}
        >
          Delete
        </button>
      )}
      {error !== null && <span class="error">{error}</span>}
    </span>
  );
}
