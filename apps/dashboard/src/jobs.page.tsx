import { useState } from 'preact/hooks';
import type { JobPage } from '@repvgg/contracts/job/job-page.schema';
import type { JobRecord, JobView } from '@repvgg/contracts/job/job-record.schema';
import { TERMINAL_STATES } from '@repvgg/contracts/job/job-state';
import { JobActions } from './actions.view';
import type { Api } from './api.client';
import { archLabel, duration, percent } from './format';
import { SubmitForm } from './submit.form';
import { usePoll } from './use-poll';

interface Row {
  readonly job: JobRecord;
  readonly etaSeconds: number | null;
}

/** Every page of GET /v1/jobs, newest first, with the ETA of each unfinished job. */
async function loadJobs(api: Api): Promise<Row[]> {
  const jobs: JobRecord[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page: JobPage = await api.get<JobPage>(`/v1/jobs?limit=500${query}`);
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return Promise.all(
    jobs.reverse().map(async (job) => ({
      job,
      etaSeconds: TERMINAL_STATES.has(job.state)
        ? null
        : (await api.get<JobView>(`/v1/jobs/${job.id}`)).etaSeconds,
    })),
  );
}

export function JobsPage({ api }: { api: Api }) {
  const jobs = usePoll(() => loadJobs(api), 2000, [api]);
  const [showForm, setShowForm] = useState(false);
  return (
    <section>
      <div class="toolbar">
        <h1>Jobs</h1>
        <button
          type="button"
          onClick={() => {
            setShowForm(!showForm);
          }}
        >
          {showForm ? 'Close form' : 'New job'}
        </button>
      </div>
      {showForm && (
        <SubmitForm
          api={api}
          onCreated={(job) => {
            setShowForm(false);
            location.hash = `#/jobs/${job.id}`;
          }}
        />
      )}
      {jobs.error !== null && <p class="error">{jobs.error.message}</p>}
      {jobs.data === null ? (
        <p>Loading…</p>
      ) : jobs.data.length === 0 ? (
        <p>No jobs yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>State</th>
                <th>Architecture</th>
                <th>Progress</th>
                <th>Workers</th>
                <th>ETA</th>
                <th>Top-1</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {jobs.data.map(({ job, etaSeconds }) => {
                const p = job.progress;
                const frac = p.totalSteps > 0 ? p.completedSteps / p.totalSteps : 0;
                return (
                  <tr key={job.id} data-job={job.id} data-state={job.state}>
                    <td>
                      <a href={`#/jobs/${job.id}`}>{job.spec.name ?? job.id.slice(0, 8)}</a>
                    </td>
                    <td>
                      <span class={`state state-${job.state}`}>{job.state}</span>
                      {job.state === 'failed' && <div class="reason">{job.reason}</div>}
                    </td>
                    <td>{archLabel(job.spec.architecture)}</td>
                    <td>
                      <progress max={1} value={frac} /> {p.completedSteps}/{p.totalSteps}
                    </td>
                    <td>{job.workers.length}</td>
                    <td>{duration(etaSeconds)}</td>
                    <td>{percent(job.epochResults.at(-1)?.top1)}</td>
                    <td>
                      <JobActions api={api} job={job} onDone={jobs.refresh} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
