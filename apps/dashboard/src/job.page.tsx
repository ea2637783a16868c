import { useMemo, useRef } from 'preact/hooks';
import type { ArtifactInfoView } from '@repvgg/contracts/artifacts/artifact-info.schema';
import type { JobView } from '@repvgg/contracts/job/job-record.schema';
import type { WorkerInfo } from '@repvgg/contracts/workers/worker-info.schema';
import { JobActions } from './actions.view';
import type { Api } from './api.client';
import { Chart } from './chart.view';
import { archLabel, duration, percent } from './format';
import {
  Artifacts,
  DecodeFailures,
  EquivalenceView,
  Generations,
  LogTail,
  Membership,
  type BundleReportView,
} from './job-panels';
import { checkpointStep, markersOf } from './job-series';
import { StepSplitView } from './step-split.view';
import { useJobStream } from './use-job-stream';
import { usePoll } from './use-poll';

const REPORT = 'bundle/report.json';

interface Snapshot {
  readonly job: JobView;
  readonly workers: readonly WorkerInfo[];
  readonly artifacts: readonly ArtifactInfoView[];
  readonly report: BundleReportView | null;
}

async function loadSnapshot(
  api: Api,
  id: string,
  report: BundleReportView | null,
): Promise<Snapshot> {
  const [job, workers, artifacts] = await Promise.all([
    api.get<JobView>(`/v1/jobs/${id}`),
    api.get<WorkerInfo[]>('/v1/workers'),
    api.get<ArtifactInfoView[]>(`/v1/jobs/${id}/artifacts`),
  ]);
  // report.json is written once, last: fetched the first time it is listed
  const wantReport = report === null && artifacts.some((a) => a.name === REPORT);
  return {
    job,
    workers,
    artifacts,
    report: wantReport
      ? await api.get<BundleReportView>(`/v1/jobs/${id}/artifacts/${REPORT}`)
      : report,
  };
}

export function JobPageView({ api, id }: { api: Api; id: string }) {
  const report = useRef<BundleReportView | null>(null);
  const snap = usePoll(() => loadSnapshot(api, id, report.current), 2000, [api, id]);
  report.current = snap.data?.report ?? null;
  const stepsPerEpoch = snap.data?.job.progress.stepsPerEpoch ?? 0;
  const stream = useJobStream(api, id, stepsPerEpoch);
  const checkpoints = useMemo(() => {
    const steps = new Set<number>();
    for (const a of snap.data?.artifacts ?? []) {
      const s = checkpointStep(a.name);
      if (s !== null) steps.add(s);
    }
    const latest = snap.data?.job.latestCheckpoint;
    const s = latest === null || latest === undefined ? null : checkpointStep(latest);
    if (s !== null) steps.add(s);
    return [...steps];
  }, [snap.data]);

  if (snap.data === null) {
    return (
      <section>
        {snap.error === null ? <p>Loading…</p> : <p class="error">{snap.error.message}</p>}
      </section>
    );
  }
  const { job, workers, artifacts } = snap.data;
  const s = stream.series;
  const markers = markersOf(s, checkpoints);
  const p = job.progress;
  const last = job.latestMetrics;
  return (
    <section class="job" data-job={job.id} data-state={job.state}>
      <div class="toolbar">
        <h1>{job.spec.name ?? job.id}</h1>
        <JobActions
          api={api}
          job={job}
          onDone={(action) => {
            if (action === 'delete') location.hash = '#/';
            else snap.refresh();
          }}
        />
      </div>
      <dl class="summary">
        <dt>State</dt>
        <dd>
          <span class={`state state-${job.state}`}>{job.state}</span>
        </dd>
        <dt>Reason</dt>
        <dd class="job-reason">{job.reason}</dd>
        <dt>Architecture</dt>
        <dd>{archLabel(job.spec.architecture)}</dd>
        <dt>Epoch</dt>
        <dd>
          {Math.min(p.epoch + 1, job.spec.epochs)}/{job.spec.epochs}
        </dd>
        <dt>Shard progress</dt>
        <dd>
          <progress max={Math.max(1, p.stepsPerEpoch)} value={p.committedSteps} />{' '}
          {p.committedSteps}/{p.stepsPerEpoch} steps this epoch
        </dd>
        <dt>Total</dt>
        <dd>
          {p.completedSteps}/{p.totalSteps} steps
        </dd>
        <dt>ETA</dt>
        <dd>{duration(job.etaSeconds)}</dd>
        <dt>Top-1 / top-5</dt>
        <dd>
          {percent(job.epochResults.at(-1)?.top1)} / {percent(job.epochResults.at(-1)?.top5)}
        </dd>
        <dt>Last step</dt>
        <dd>
          {last === null
            ? '–'
            : `${last.seconds.toFixed(3)} s (all-reduce ${last.allreduceSeconds.toFixed(3)} s), ${last.workers} worker(s)`}
        </dd>
      </dl>
      {stream.error !== null && <p class="error">{stream.error}</p>}
      <div class="charts">
        <Chart
          id="chart-loss"
          title="Training loss"
          xLabel="step"
          x={s.steps.x}
          series={[{ label: 'loss', values: s.steps.loss, color: '#c62828' }]}
          markers={markers}
        />
        <Chart
          id="chart-accuracy"
          title="Validation accuracy"
          xLabel="epoch"
          x={s.epochs.x}
          series={[
            { label: 'top-1', values: s.epochs.top1, color: '#1565c0' },
            { label: 'top-5', values: s.epochs.top5, color: '#2e7d32' },
          ]}
        />
        <Chart
          id="chart-throughput"
          title="Images per second"
          xLabel="step"
          x={s.steps.x}
          series={[{ label: 'img/s', values: s.steps.imagesPerSecond, color: '#6a1b9a' }]}
          markers={markers}
        />
        <Chart
          id="chart-lr"
          title="Learning rate"
          xLabel="step"
          x={s.steps.x}
          series={[{ label: 'lr', values: s.steps.lr, color: '#ef6c00' }]}
          markers={markers}
        />
        <Chart
          id="chart-step-time"
          title="Step time (s)"
          xLabel="step"
          x={s.steps.x}
          series={[
            { label: 'step', values: s.steps.seconds, color: '#455a64' },
            { label: 'all-reduce', values: s.steps.allreduceSeconds, color: '#00838f' },
          ]}
          markers={markers}
        />
      </div>
      <StepSplitView steps={s.steps} />
      <Generations changes={s.generations} />
      <Membership workers={workers} job={job} />
      <DecodeFailures job={job} stream={stream} />
      <EquivalenceView report={snap.data.report} />
      <Artifacts api={api} jobId={job.id} files={artifacts} />
      <LogTail lines={stream.logs} />
    </section>
  );
}
