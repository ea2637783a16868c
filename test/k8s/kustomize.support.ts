import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { loadAll } from 'js-yaml';
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

const cache = new Map<Target, Obj[]>();
/** `kubectl kustomize k8s/<target>`, parsed; rendered once per target. */
export function render(target: Target): Obj[] {
  let objs = cache.get(target);
  if (objs === undefined) {
    const text = execFileSync('kubectl', ['kustomize', resolve(K8S, target)], { encoding: 'utf8' });
    objs = loadAll(text).filter((d) => d !== null) as Obj[];
    cache.set(target, objs);
  }
  return objs;
}
