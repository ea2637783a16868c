import type { StepSeries } from './job-series';
import { recentSplit } from './step-split';

const WINDOW = 20;

/** One stacked bar: where the recent steps' time went on the leader. */
export function StepSplitView({ steps }: { steps: StepSeries }) {
  const parts = recentSplit(steps, WINDOW);
  return (
    <section class="panel" id="step-split">
      <h2>Step time split (mean of the last {WINDOW} steps)</h2>
      {parts === null ? (
        <p>No step with a split yet.</p>
      ) : (
        <>
          <div class="split-bar">
            {parts.map((p) => (
              <span
                key={p.phase}
                data-phase={p.phase}
                title={`${p.label}: ${p.seconds.toFixed(3)} s`}
                style={{ width: `${(p.share * 100).toFixed(2)}%`, background: p.color }}
              />
            ))}
          </div>
          <ul class="split-legend">
            {parts.map((p) => (
              <li key={p.phase} data-phase={p.phase}>
                <span class="dot" style={{ background: p.color }} />
                {p.label} {p.seconds.toFixed(3)} s ({(p.share * 100).toFixed(0)}%)
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
