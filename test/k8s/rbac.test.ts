import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { describe, expect } from 'vitest';
import { manifestIt, render, TARGETS, template, workloads } from './kustomize.support';

/** Overlays in which the coordinator scales the workers itself (components/coordinator-scaler). */
const WITH_SCALER = new Set(['overlays/dev']);
/** The Role of components/coordinator-scaler; components/bootstrap-secrets' is checked in bootstrap-secrets.test.ts. */
const SCALER_ROLE = 'repvgg-worker-scaler';
const BOOTSTRAP_ROLE = 'repvgg-bootstrap';

describe.each(TARGETS)('Kubernetes API access in k8s/%s', (target) => {
  manifestIt(
    WITH_SCALER.has(target)
      ? 'lets only the coordinator scale the worker StatefulSet, through the scale subresource only'
      : 'grants no Kubernetes API access',
    () => {
      const objs = render(target);
      expect(objs.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
      const allRoles = objs.filter((o) => o.kind === 'Role') as unknown as IRole[];
      // no Role but these two
      for (const r of allRoles) expect([SCALER_ROLE, BOOTSTRAP_ROLE]).toContain(r.metadata!.name);
      const roles = allRoles.filter((r) => r.metadata!.name !== BOOTSTRAP_ROLE);
      const bindings = (
        objs.filter((o) => o.kind === 'RoleBinding') as unknown as IRoleBinding[]
      ).filter((b) => b.roleRef.name !== BOOTSTRAP_ROLE);
      const pods = workloads(objs);
      const coordinator = pods.find((o) => o.metadata.name === 'repvgg-coordinator')!;
      const scalerEnv = template(coordinator)
        .spec!.containers.flatMap((c) => c.env ?? [])
        .find((e) => e.name === 'REPVGG_SCALER')?.value;

      // No workload's pod but a scaling coordinator carries a service account token (the bootstrap
      // Job's does: bootstrap-secrets.test.ts).
      for (const w of pods) {
        const pod = template(w).spec!;
        const scales = WITH_SCALER.has(target) && w === coordinator;
        expect(pod.automountServiceAccountToken, w.metadata.name).toBe(scales);
      }
      if (!WITH_SCALER.has(target)) {
        expect([roles, bindings, scalerEnv]).toEqual([[], [], undefined]);
        return;
      }

      expect(scalerEnv).toBe('kubernetes');
      expect(roles).toHaveLength(1);
      const [role] = roles;
      expect(role.rules).toHaveLength(1);
      const [rule] = role.rules!;
      expect(rule.apiGroups).toEqual(['apps']);
      expect(rule.resources).toEqual(['statefulsets/scale']);
      expect(rule.resourceNames).toEqual(['repvgg-worker']);
      expect([...rule.verbs].sort()).toEqual(['get', 'patch', 'update']);
      expect(pods.map((w) => `${w.kind}/${w.metadata.name}`)).toContain(
        `StatefulSet/${rule.resourceNames![0]}`,
      );

      // bound to exactly the coordinator's service account, in its namespace
      expect(bindings).toHaveLength(1);
      const [binding] = bindings;
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: role.metadata!.name,
      });
      const sa = template(coordinator).spec!.serviceAccountName;
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: sa, namespace: coordinator.metadata.namespace },
      ]);
      expect(objs.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)).toBe(true);
      // two scalers would fight over the replica count
      expect(objs.some((o) => o.kind === 'ScaledObject')).toBe(false);
    },
  );
});
