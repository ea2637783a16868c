import type { WorkerInfo } from '@repvgg/contracts/workers/worker-info.schema';
import type { Api } from './api.client';
import { ageOf } from './format';
import { usePoll } from './use-poll';

export function WorkersPage({ api }: { api: Api }) {
  const workers = usePoll(() => api.get<WorkerInfo[]>('/v1/workers'), 2000, [api]);
  return (
    <section>
      <h1>Workers</h1>
      {workers.error !== null && <p class="error">{workers.error.message}</p>}
      {workers.data === null ? (
        <p>Loading…</p>
      ) : workers.data.length === 0 ? (
        <p>No worker is registered.</p>
      ) : (
        <div class="table-wrap">
          <table class="workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Address</th>
                <th>Backend</th>
                <th>Job</th>
                <th>Generation</th>
                <th>Rank</th>
                <th>Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((w) => (
                <tr key={w.id} data-worker={w.id}>
                  <td>
                    {w.id}
                    {w.draining && ' (draining)'}
                  </td>
                  <td>{w.address}</td>
                  <td>{w.backend}</td>
                  <td>
                    {w.jobId === null ? (
                      'idle'
                    ) : (
                      <a href={`#/jobs/${w.jobId}`}>{w.jobId.slice(0, 8)}</a>
                    )}
                  </td>
                  <td>{w.generation ?? '–'}</td>
                  <td>{w.rank ?? '–'}</td>
                  <td>{ageOf(w.lastHeartbeat)} ago</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
