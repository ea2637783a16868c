import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { describe, expect } from 'vitest';
import { manifestIt, render, TARGETS, type Obj } from './kustomize.support';

type Labels = Record<string, string>;
/** Who connects: a pod of this deployment or elsewhere in the namespace (labels), or outside the cluster. */
type Source = Labels | 'outside';

interface Pod {
  labels: Labels;
  ports: Map<string, number>;
}

const pods = (objs: Obj[]): Map<string, Pod> =>
  new Map(
    objs
      .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .map((o) => {
        const t = (o.spec as { template: IPodTemplateSpec }).template;
        const ports = t.spec!.containers.flatMap((c) => c.ports ?? []);
        return [
          o.metadata.name,
          {
            labels: t.metadata!.labels!,
            ports: new Map(ports.map((p) => [p.name ?? '', p.containerPort])),
          },
        ];
      }),
  );

const matches = (selector: { matchLabels?: Labels } | undefined, labels: Labels): boolean =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * NetworkPolicy ingress semantics, within one namespace: a pod no policy selects admits everything; a selected pod
 * admits a connection that some rule of some selecting policy allows (no `from`: any source; otherwise a podSelector
 * peer matching the source pod; no `ports`: every port).
 */
function admits(policies: INetworkPolicy[], to: Pod, port: number, from: Source): boolean {
  const selecting = policies.filter((p) => matches(p.spec!.podSelector, to.labels));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec!.ingress ?? []).some((rule) => {
      const peerOk =
        rule.from === undefined ||
        (from !== 'outside' &&
          rule.from.some(
            (peer) =>
              peer.podSelector !== undefined &&
              peer.namespaceSelector === undefined &&
              peer.ipBlock === undefined &&
              matches(peer.podSelector, from),
          ));
      const portOk =
        rule.ports === undefined ||
        rule.ports.some((rp) =>
          typeof rp.port === 'string' ? to.ports.get(rp.port) === port : rp.port === port,
        );
      return peerOk && portOk;
    }),
  );
}

describe.each(TARGETS)('NetworkPolicies of k8s/%s', (target) => {
  manifestIt('admit only what the control plane needs', () => {
    const objs = render(target);
    const policies = objs.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[];
    const all = pods(objs);
    const pod = (name: string): Pod => {
      const p = all.get(name);
      if (p === undefined) throw new Error(`no pod template ${name}`);
      return p;
    };
    const redis = pod('redis');
    const coordinator = pod('repvgg-coordinator');
    const worker = pod('repvgg-worker');
    const stranger: Source = { 'app.kubernetes.io/name': 'something-else' };
    const can = (from: Source, to: Pod, port: string): boolean => {
      const number = to.ports.get(port);
      if (number === undefined) throw new Error(`no port ${port}`);
      return admits(policies, to, number, from);
    };

    // Redis: the coordinator only (workers never speak to it)
    expect(can(coordinator.labels, redis, 'redis')).toBe(true);
    expect(can(worker.labels, redis, 'redis')).toBe(false);
    expect(can(stranger, redis, 'redis')).toBe(false);
    expect(can('outside', redis, 'redis')).toBe(false);

    // Worker ports: workers and the coordinator
    for (const port of ['collective', 'collective-data']) {
      expect(can(worker.labels, worker, port), port).toBe(true);
      expect(can(coordinator.labels, worker, port), port).toBe(true);
      expect(can(stranger, worker, port), port).toBe(false);
      expect(can('outside', worker, port), port).toBe(false);
    }

    // The coordinator: HTTP from anywhere, the rendezvous from workers only
    expect(can('outside', coordinator, 'http')).toBe(true);
    expect(can(stranger, coordinator, 'http')).toBe(true);
    expect(can(worker.labels, coordinator, 'grpc')).toBe(true);
    expect(can(stranger, coordinator, 'grpc')).toBe(false);
    expect(can('outside', coordinator, 'grpc')).toBe(false);
    expect(can(redis.labels, coordinator, 'grpc')).toBe(false);
  });

  manifestIt(
    'select existing pods (a typo in a selector would silently open or close a port)',
    () => {
      const objs = render(target);
      const labels = [...pods(objs).values()].map((p) => p.labels);
      for (const p of objs.filter(
        (o) => o.kind === 'NetworkPolicy',
      ) as unknown as INetworkPolicy[]) {
        const spec = p.spec!;
        const selected = labels.filter((l) => matches(spec.podSelector, l)).length;
        if (Object.keys(spec.podSelector.matchLabels ?? {}).length === 0) {
          // the default deny: every pod, and admits nothing itself
          expect(selected, p.metadata!.name).toBe(labels.length);
          expect(spec.ingress ?? [], p.metadata!.name).toEqual([]);
        } else {
          expect(selected, p.metadata!.name).toBe(1);
        }
        for (const rule of spec.ingress ?? []) {
          for (const peer of rule.from ?? []) {
            expect(
              labels.filter((l) => matches(peer.podSelector, l)),
              p.metadata!.name,
            ).toHaveLength(1);
          }
        }
      }
    },
  );
});
