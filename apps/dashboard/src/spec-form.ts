import { jobSpecSchema } from '@repvgg/contracts/job/job-spec.schema';
import type { ApiIssue } from './api.client';

export interface SpecField {
  /** The spec's path, as the 400's issues name it (`workers.max`). */
  readonly path: string;
  readonly label: string;
  readonly kind: 'text' | 'number' | 'select';
  readonly options?: readonly string[];
}

/** The fields the form offers; anything else keeps the coordinator's default. */
export const SPEC_FIELDS: readonly SpecField[] = [
  { path: 'name', label: 'Name', kind: 'text' },
  { path: 'architecture', label: 'Architecture (name or JSON)', kind: 'text' },
  {
    path: 'dataset.source',
    label: 'Dataset source',
    kind: 'select',
    options: ['imagefolder', 'idx'],
  },
  { path: 'dataset.path', label: 'Dataset path', kind: 'text' },
  {
    path: 'dataset.format',
    label: 'Dataset format',
    kind: 'select',
    options: ['auto', 'folders', 'flat', 'idx-gz'],
  },
  { path: 'imageSize', label: 'Image size', kind: 'number' },
  { path: 'epochs', label: 'Epochs', kind: 'number' },
  { path: 'globalBatch', label: 'Global batch', kind: 'number' },
  { path: 'virtualReplicas', label: 'Virtual replicas', kind: 'number' },
  { path: 'optimizer.lr', label: 'Learning rate', kind: 'number' },
  { path: 'optimizer.momentum', label: 'Momentum', kind: 'number' },
  { path: 'optimizer.weightDecay', label: 'Weight decay', kind: 'number' },
  { path: 'schedule.warmupEpochs', label: 'Warm-up epochs', kind: 'number' },
  { path: 'labelSmoothing', label: 'Label smoothing', kind: 'number' },
  { path: 'randomErasing', label: 'Random erasing p', kind: 'number' },
  { path: 'seed', label: 'Seed', kind: 'number' },
  { path: 'mode', label: 'Mode', kind: 'select', options: ['fast', 'deterministic'] },
  { path: 'workers.min', label: 'Workers min', kind: 'number' },
  { path: 'workers.max', label: 'Workers max', kind: 'number' },
  { path: 'shardSteps', label: 'Steps per shard', kind: 'number' },
  { path: 'checkpointEvery', label: 'Checkpoint every (shards)', kind: 'number' },
  { path: 'priority', label: 'Priority', kind: 'number' },
  { path: 'initialCheckpoint', label: 'Initial checkpoint', kind: 'text' },
];

export type FormValues = Record<string, string>;

const at = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

/** The contract's defaults (the paper's recipe) as form values; the dataset path stays empty. */
export function defaultValues(): FormValues {
  const spec = jobSpecSchema.parse({ dataset: { source: 'imagefolder', path: '-' } });
  const out: FormValues = {};
  for (const f of SPEC_FIELDS) {
    const v = at(spec, f.path);
    out[f.path] = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  }
  out['dataset.path'] = '';
  return out;
}

/**
 * The spec to POST. Empty fields are left out (a default applies, or the coordinator names a
 * required one); text in a number field is sent as it is so the coordinator's 400 names the field.
 */
export function specFromValues(values: FormValues): {
  spec: Record<string, unknown>;
  issues: ApiIssue[];
} {
  const spec: Record<string, unknown> = {};
  const issues: ApiIssue[] = [];
  for (const f of SPEC_FIELDS) {
    const raw = (values[f.path] ?? '').trim();
    if (raw === '') continue;
    let value: unknown = raw;
    if (f.kind === 'number' && Number.isFinite(Number(raw))) value = Number(raw);
    if (f.path === 'architecture' && raw.startsWith('{')) {
      try {
        value = JSON.parse(raw);
      } catch {
        issues.push({ path: f.path, message: 'is not valid JSON' });
        continue;
      }
    }
    const keys = f.path.split('.');
    const leaf = keys.pop() ?? f.path;
    let node = spec;
    for (const k of keys) node = (node[k] ??= {}) as Record<string, unknown>;
    node[leaf] = value;
  }
  return { spec, issues };
}

/** Each issue under the form field it belongs to (the longest field path that prefixes it). */
export function issuesByField(issues: readonly ApiIssue[]): {
  byField: Map<string, string[]>;
  other: string[];
} {
  const byField = new Map<string, string[]>();
  const other: string[] = [];
  for (const issue of issues) {
    const field = SPEC_FIELDS.map((f) => f.path)
      .filter((p) => issue.path === p || issue.path.startsWith(`${p}.`))
      .sort((a, b) => b.length - a.length)
      .at(0);
    if (field === undefined) other.push(`${issue.path}: ${issue.message}`);
    else byField.set(field, [...(byField.get(field) ?? []), issue.message]);
  }
  return { byField, other };
}
