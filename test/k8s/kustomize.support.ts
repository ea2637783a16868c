import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump, load, loadAll } from 'js-yaml';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { it, type TestContext } from 'vitest';

/** Every kustomization the manifest tests render; a new overlay is one more entry here. */
export const K8S = resolve(__dirname, '../../k8s');
export const TARGETS = ['base', 'overlays/dev', 'overlays/gpu'] as const;
export type Target = (typeof TARGETS)[number];

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * The manifests use `labels:`, `replicas:` and `patches:`, which need kustomize v5 (kubectl >= 1.27). Debian 12's
 * `kubernetes-client` is kubectl 1.20 with kustomize v2, which rejects them, so an old kubectl counts as missing.
 */
function probeKubectl(): string | undefined {
  const run = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) return 'kubectl is not installed';
  const kustomize = /^Kustomize Version: (\S+)/m.exec(run.stdout)?.[1];
  if (kustomize?.startsWith('v5.') !== true) {
    return `kubectl's kustomize is ${kustomize ?? 'older than v4'}, the manifests need v5`;
  }
  return undefined;
}

const missing = probeKubectl();
const WHY = `${missing ?? ''}: install kubectl >= 1.27 (\`bash .ci/run\` installs it when absent)`;
const inCi = process.env.CI !== undefined && process.env.CI !== '';
if (missing !== undefined && !inCi)
  console.warn(`test/k8s: the manifest checks are skipped — ${WHY}`);

/**
 * A manifest test. With no usable kubectl it fails under CI (`CI` set) — a green CI must mean the manifests were
 * rendered — and skips with the reason only on a developer's machine.
 */
export function manifestIt(name: string, body: () => void | Promise<void>): void {
  it(name, (ctx: TestContext) => {
    if (missing !== undefined) {
      if (inCi) throw new Error(WHY);
      ctx.skip(WHY);
    }
    return body();
  });
}

/** The rendered Deployments and StatefulSets: the objects that make pods. */
export const workloads = (objs: Obj[]): Obj[] =>
  objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

/** Every rendered object that makes pods: the workloads and the Jobs (components/bootstrap-secrets). */
export const podOwners = (objs: Obj[]): Obj[] => [
  ...workloads(objs),
  ...objs.filter((o) => o.kind === 'Job'),
];

/** The rendered object `kind`/`name`; throws when it is not rendered. */
export function named(objs: Obj[], kind: string, name: string): Obj {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`${kind}/${name} is not rendered`);
  return o;
}

/** A workload's (or a Job's) pod template. */
export const template = (o: Obj): IPodTemplateSpec =>
  (o.spec as { template: IPodTemplateSpec }).template;

const kustomize = (dir: string): Obj[] =>
  loadAll(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).filter(
    (d) => d !== null,
  ) as Obj[];

const cache = new Map<string, Obj[]>();
const cached = (key: string, make: () => Obj[]): Obj[] => {
  let objs = cache.get(key);
  if (objs === undefined) {
    objs = make();
    cache.set(key, objs);
  }
  return objs;
};

/** `kubectl kustomize k8s/<target>`, parsed; rendered once per target. */
export function render(target: Target): Obj[] {
  return cached(target, () => kustomize(resolve(K8S, target)));
}

/**
 * `k8s/<target>` with `k8s/components/<component>` added to its kustomization's `components`, as a user opting in
 * would (`kustomize edit add component`), rendered from a copy of k8s/ so the checkout is left alone.
 */
export function renderWith(target: Target, component: string): Obj[] {
  return cached(`${target}+${component}`, () => {
    const copy = mkdtempSync(join(tmpdir(), 'k8s-'));
    try {
      cpSync(K8S, copy, { recursive: true });
      const file = join(copy, target, 'kustomization.yaml');
      const k = load(readFileSync(file, 'utf8')) as { components?: string[] };
      const up = target.split('/').map(() => '..');
      k.components = [...(k.components ?? []), [...up, 'components', component].join('/')];
      writeFileSync(file, dump(k));
      return kustomize(join(copy, target));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
}
