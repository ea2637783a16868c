import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { describe, expect } from 'vitest';
import { BOOTSTRAP_SECRETS } from '../../apps/cli/src/bootstrap/bootstrap-secret-drafts';
import {
  K8S,
  manifestIt,
  named,
  render,
  renderWith,
  TARGETS,
  template,
  workloads,
  type Obj,
} from './kustomize.support';
import { matches } from './network-policy.support';

const JOB = 'repvgg-bootstrap';
/** The Secrets the coordinator's and the workers' pods mount. */
const mountedSecrets = (objs: Obj[]): string[] => [
  ...new Set(
    workloads(objs)
      .filter((w) => w.metadata.name.startsWith('repvgg-'))
      .flatMap((w) => template(w).spec!.volumes ?? [])
      .flatMap((v) => (v.secret?.secretName === undefined ? [] : [v.secret.secretName])),
  ),
];

/** Every kustomization.yaml under k8s/, parsed. */
function kustomizations(dir = K8S): { file: string; k: Record<string, unknown> }[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return kustomizations(path);
    if (entry !== 'kustomization.yaml') return [];
    return [{ file: path, k: load(readFileSync(path, 'utf8')) as Record<string, unknown> }];
  });
}

describe.each([
  ['overlays/dev', () => render('overlays/dev')],
  [
    'overlays/gpu + components/bootstrap-secrets',
    () => renderWith('overlays/gpu', 'bootstrap-secrets'),
  ],
] as const)('components/bootstrap-secrets in k8s/%s', (_target, objsOf) => {
  manifestIt(
    'a Job of the coordinator image runs `repvgg bootstrap-secrets` for exactly the Secrets the pods mount',
    () => {
      const objs = objsOf();
      const job = named(objs, 'Job', JOB);
      const pod = template(job).spec!;
      const [c] = pod.containers;
      expect(pod.containers).toHaveLength(1);
      expect(c.command).toEqual(['node', 'bin/repvgg.js', 'bootstrap-secrets']);
      const coordinator = template(named(objs, 'Deployment', 'repvgg-coordinator')).spec!;
      expect(c.image).toBe(coordinator.containers[0].image);
      expect(pod.restartPolicy).toBe('Never');
      // what the command creates is what the pods wait for
      expect(BOOTSTRAP_SECRETS.map((s) => s.name).sort()).toEqual(mountedSecrets(objs).sort());
      // openssl writes its scratch files to /tmp: an emptyDir on a read-only root
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    },
  );

  manifestIt(
    'its Role allows get on those Secrets by name and create on secrets, nothing else, for its own service account',
    () => {
      const objs = objsOf();
      const pod = template(named(objs, 'Job', JOB)).spec!;
      expect(pod.automountServiceAccountToken).toBe(true);
      const sa = pod.serviceAccountName!;
      named(objs, 'ServiceAccount', sa);
      const role = named(objs, 'Role', JOB) as unknown as IRole;
      expect(role.rules).toEqual([
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: BOOTSTRAP_SECRETS.map((s) => s.name),
          verbs: ['get'],
        },
        // RBAC cannot restrict create by name: no resourceNames here
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ]);
      const bindings = (
        objs.filter((o) => o.kind === 'RoleBinding') as unknown as IRoleBinding[]
      ).filter((b) => b.subjects?.some((s) => s.name === sa));
      expect(bindings).toHaveLength(1);
      expect(bindings[0].roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: JOB,
      });
      expect(bindings[0].subjects).toEqual([
        { kind: 'ServiceAccount', name: sa, namespace: role.metadata!.namespace },
      ]);
    },
  );

  manifestIt('its pod gets no ingress: only the default deny selects it', () => {
    const objs = objsOf();
    const labels = template(named(objs, 'Job', JOB)).metadata!.labels!;
    const selecting = (
      objs.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[]
    ).filter((p) => matches(p.spec!.podSelector, labels));
    expect(selecting.map((p) => [p.metadata!.name, p.spec!.ingress ?? []])).toEqual([
      ['repvgg-default-deny', []],
    ]);
  });
});

describe('secrets in the manifests', () => {
  manifestIt(
    'no overlay ships a Secret or a literal token; only the dev overlay bootstraps them',
    () => {
      for (const target of TARGETS) {
        const objs = render(target);
        expect(
          objs.filter((o) => o.kind === 'Secret'),
          target,
        ).toEqual([]);
        expect(
          objs.some((o) => o.kind === 'Job' && o.metadata.name === JOB),
          target,
        ).toBe(target === 'overlays/dev');
      }
      for (const { file, k } of kustomizations()) {
        expect(k.secretGenerator, file).toBeUndefined();
        // two owners of repvgg-tls would fight over it
        const components = (k.components as string[] | undefined) ?? [];
        const owners = components.filter((c) => /\/(cert-manager|bootstrap-secrets)$/.test(c));
        expect(owners.length, file).toBeLessThanOrEqual(1);
      }
    },
  );
});
