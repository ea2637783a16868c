import { useState } from 'preact/hooks';
import type { ArtifactInfoView } from '@repvgg/contracts/artifacts/artifact-info.schema';
import type { JobView } from '@repvgg/contracts/job/job-record.schema';
import type { JobLogLine } from '@repvgg/contracts/logs/job-log.schema';
import type { WorkerInfo } from '@repvgg/contracts/workers/worker-info.schema';
import type { Api } from './api.client';
import { MARKER_COLORS } from './chart.view';
import { ageOf, bytes } from './format';
import type { GenerationChange } from './job-series';
import type { JobStream } from './use-job-stream';

export function Membership({ workers, job }: { workers: readonly WorkerInfo[]; job: JobView }) {
  const members = workers
    .filter((w) => w.jobId === job.id)
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  return (
    <section class="panel" id="membership">
      <h2>Membership (generation {job.generation})</h2>
      {members.length === 0 ? (
        <p>No worker holds this job.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Rank</th>
              <th>Worker</th>
              <th>Backend</th>
              <th>Heartbeat age</th>
            </tr>
          </thead>
          <tbody>
            {members.map((w) => (
              <tr key={w.id}>
                <td>{w.rank ?? '–'}</td>
                <td>
                  {w.id}
                  {w.draining && ' (draining)'}
                </td>
                <td>{w.backend}</td>
                <td>{ageOf(w.lastHeartbeat)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Generations({ changes }: { changes: readonly GenerationChange[] }) {
  return (
    <section class="panel" id="generations">
      <h2>Generation changes</h2>
      {changes.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <ol class="events">
          {changes.map((g) => (
            <li key={g.generation} data-kind={g.kind} class="generation">
              <span class="dot" style={{ background: MARKER_COLORS[g.kind] }} />
              <b>g{g.generation}</b> at step {g.step} · {g.kind}
              {g.joined.length > 0 && ` +${g.joined.join(', +')}`}
              {g.left.length > 0 && ` −${g.left.join(', −')}`} · {g.workers.length} worker(s) ·{' '}
              <span class="reason">{g.reason}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function DecodeFailures({ job, stream }: { job: JobView; stream: JobStream }) {
  const d = job.decodeFailures;
  return (
    <section class="panel" id="decode-failures">
      <h2>Decode failures ({d.count})</h2>
      {d.recent.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {d.recent.map((s) => (
            <li key={s.sample}>
              <code>{s.sample}</code>: {s.reason}
            </li>
          ))}
        </ul>
      )}
      {stream.decodes.length > 0 && (
        <p>
          {stream.decodes.length} report(s) from{' '}
          {[...new Set(stream.decodes.map((e) => e.workerId))].join(', ')}
        </p>
      )}
    </section>
  );
}

export function LogTail({ lines }: { lines: readonly JobLogLine[] }) {
  return (
    <section class="panel" id="logs">
      <h2>Log tail</h2>
      <pre class="log">
        {lines.map((l, i) => {
          const where = [
            l.generation === undefined ? '' : `g${l.generation}`,
            l.rank === undefined ? '' : `r${l.rank}`,
            l.step === undefined ? '' : `s${l.step}`,
          ]
            .filter(Boolean)
            .join(' ');
          return (
            <div key={i} class={`log-${l.level}`}>
              {l.at.slice(11, 19)} {l.level.padEnd(5)} {l.source}
              {where === '' ? '' : ` [${where}]`} {l.message}
            </div>
          );
        })}
      </pre>
    </section>
  );
}

/** Downloads through fetch (the API wants the token) and hands the bytes to the browser. */
async function download(api: Api, jobId: string, name: string): Promise<void> {
  const blob = await api.blob(`/v1/jobs/${jobId}/artifacts/${name}`);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name.split('/').pop() ?? name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

export function Artifacts({
  api,
  jobId,
  files,
}: {
  api: Api;
  jobId: string;
  files: readonly ArtifactInfoView[];
}) {
  const [error, setError] = useState<string | null>(null);
  const shown = files.filter((f) => !f.name.startsWith('checkpoints/'));
  return (
    <section class="panel" id="artifacts">
      <h2>Artifacts</h2>
      {error !== null && <p class="error">{error}</p>}
      {shown.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>Size</th>
                <th>sha256</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {shown.map((f) => (
                <tr key={f.name} data-artifact={f.name}>
                  <td>{f.name}</td>
                  <td>{bytes(f.size)}</td>
                  <td>
                    <code class="sha" title={f.sha256}>
                      {f.sha256}
                    </code>
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        download(api, jobId, f.name).catch((err: unknown) => {
                          setError((err as Error).message);
                        });
                      }}
                    >
                      Download
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface Equivalence {
  readonly maxAbsDiff: number;
  readonly relative: number;
  readonly bound: number;
  readonly pass: boolean;
}

/** The part of the bundle's report.json the page shows. */
export interface BundleReportView {
  readonly equivalence: {
    readonly backend: string;
    readonly pass: boolean;
    readonly fused: Equivalence;
    readonly onnx: Equivalence;
    readonly tfjs: Equivalence;
  };
  readonly trainParams: number;
  readonly deployParams: number;
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

export function EquivalenceView({ report }: { report: BundleReportView | null }) {
  if (report === null) return null;
  const e = report.equivalence;
  const rows = [
    ['fused (tfjs)', e.fused],
    ['ONNX Runtime', e.onnx],
    ['tfjs from disk', e.tfjs],
  ] as const;
  return (
    <section class="panel" id="equivalence">
      <h2>
        Fused vs multi-branch:{' '}
        <span class={e.pass ? 'pass' : 'fail'}>{e.pass ? 'pass' : 'FAIL'}</span>
      </h2>
      <p>
        Backend {e.backend}; {report.trainParams.toLocaleString()} training →{' '}
        {report.deployParams.toLocaleString()} deploy parameters.
      </p>
      <table>
        <thead>
          <tr>
            <th>Model</th>
            <th>max |Δ|</th>
            <th>relative</th>
            <th>bound</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, r]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>{r.maxAbsDiff.toExponential(2)}</td>
              <td>{r.relative.toExponential(2)}</td>
              <td>{r.bound.toExponential(2)}</td>
              <td>{r.pass ? 'pass' : 'FAIL'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
