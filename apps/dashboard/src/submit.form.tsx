import { useState } from 'preact/hooks';
import type { JobRecord } from '@repvgg/contracts/job/job-record.schema';
import { ApiError, type Api } from './api.client';
import {
  defaultValues,
  issuesByField,
  SPEC_FIELDS,
  specFromValues,
  type FormValues,
} from './spec-form';

/** The job spec with the contract's defaults filled in; a 400's issues show beside their fields. */
export function SubmitForm({ api, onCreated }: { api: Api; onCreated: (job: JobRecord) => void }) {
  const [values, setValues] = useState<FormValues>(defaultValues);
  const [byField, setByField] = useState(new Map<string, string[]>());
  const [other, setOther] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = (ev: Event): void => {
    ev.preventDefault();
    const { spec, issues } = specFromValues(values);
    const show = (all: readonly { path: string; message: string }[], rest: string[] = []): void => {
      const grouped = issuesByField(all);
      setByField(grouped.byField);
      setOther([...rest, ...grouped.other]);
    };
    if (issues.length > 0) {
      show(issues);
      return;
    }
    setBusy(true);
    api.json<JobRecord>('POST', '/v1/jobs', spec).then(
      (job) => {
        show([]);
        setBusy(false);
        onCreated(job);
      },
      (err: unknown) => {
        setBusy(false);
        if (err instanceof ApiError && err.issues.length > 0) show(err.issues, [err.message]);
        else show([], [(err as Error).message]);
      },
    );
  };

  return (
    <form class="spec-form" onSubmit={submit} novalidate>
      <h2>Submit a job</h2>
      <div class="fields">
        {SPEC_FIELDS.map((f) => {
          const id = `spec-${f.path.replace(/\./g, '-')}`;
          const errors = byField.get(f.path);
          const set = (e: Event): void => {
            const v = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
            setValues((old) => ({ ...old, [f.path]: v }));
          };
          return (
            <div class={errors === undefined ? 'field' : 'field invalid'} key={f.path}>
              <label for={id}>{f.label}</label>
              {f.kind === 'select' ? (
                <select id={id} name={f.path} value={values[f.path]} onChange={set}>
                  {(f.options ?? []).map((o) => (
                    <option value={o} key={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  name={f.path}
                  inputMode={f.kind === 'number' ? 'decimal' : undefined}
                  value={values[f.path]}
                  onInput={set}
                  aria-invalid={errors !== undefined}
                />
              )}
              {errors !== undefined && (
                <span class="field-error" data-field={f.path} role="alert">
                  {errors.join('; ')}
                </span>
              )}
            </div>
          );
        })}
      </div>
      {other.length > 0 && (
        <p class="error" role="alert">
          {other.join(' · ')}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Submit
      </button>
    </form>
  );
}
