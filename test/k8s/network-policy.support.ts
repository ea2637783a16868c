import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { template, workloads, type Obj } from './kustomize.support';

export type Labels = Record<string, string>;
/** A pod in another namespace of the cluster, by its namespace's labels and its own. */
export interface Foreign {
  namespace: Labels;
  pod: Labels;
}
/** Who connects: a pod of this namespace (its labels), a pod of another namespace, or something outside the cluster. */
export type Source = Labels | Foreign | 'outside';

export interface Pod {
  labels: Labels;
  ports: Map<string, number>;
}

interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The pod templates of the rendered workloads by workload name: labels and named container ports. */
export const pods = (objs: Obj[]): Map<string, Pod> =>
  new Map(
    workloads(objs).map((o) => {
      const t = template(o);
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

/** A label selector's meaning: every matchLabels pair and every matchExpressions requirement hold. */
export function matches(selector: Selector | undefined, labels: Labels): boolean {
  const pairs = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    pairs &&
    (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return key in labels && values.includes(labels[key]);
        case 'NotIn':
          return !(key in labels && values.includes(labels[key]));
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
        default:
          throw new Error(`unknown selector operator ${operator}`);
      }
    })
  );
}

const isForeign = (s: Source): s is Foreign => typeof s === 'object' && 'namespace' in s;

/**
 * Whether a `from` peer admits the source. A podSelector alone: pods of this namespace. With a namespaceSelector:
 * pods of the namespaces it selects (this namespace's own labels are not modelled, so only `{}` selects it).
 * ipBlocks admit nothing here: the manifests admit outside clients by rules without `from`.
 */
function peerAdmits(
  peer: { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: unknown },
  from: Source,
): boolean {
  if (from === 'outside' || peer.ipBlock !== undefined) return false;
  const pod = isForeign(from) ? from.pod : from;
  if (peer.namespaceSelector === undefined) {
    return !isForeign(from) && matches(peer.podSelector, pod);
  }
  const namespaceOk = isForeign(from)
    ? matches(peer.namespaceSelector, from.namespace)
    : Object.keys(peer.namespaceSelector).length === 0;
  return namespaceOk && matches(peer.podSelector, pod);
}

/**
 * NetworkPolicy ingress semantics: a pod no policy selects admits everything; a selected pod admits a connection that
 * some rule of some selecting policy allows (no `from`: any source; otherwise a peer admitting the source; no
 * `ports`: every port).
 */
export function admits(policies: INetworkPolicy[], to: Pod, port: number, from: Source): boolean {
  const selecting = policies.filter((p) => matches(p.spec!.podSelector, to.labels));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec!.ingress ?? []).some((rule) => {
      const peerOk = rule.from === undefined || rule.from.some((peer) => peerAdmits(peer, from));
      const portOk =
        rule.ports === undefined ||
        rule.ports.some((rp) =>
          typeof rp.port === 'string' ? to.ports.get(rp.port) === port : rp.port === port,
        );
      return peerOk && portOk;
    }),
  );
}

/** The rendered NetworkPolicies and a check of whether they let `from` reach a workload's named port. */
export function reachability(objs: Obj[]): {
  pod: (name: string) => Pod;
  can: (from: Source, to: Pod, port: string) => boolean;
} {
  const policies = objs.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[];
  const all = pods(objs);
  return {
    pod: (name) => {
      const p = all.get(name);
      if (p === undefined) throw new Error(`no pod template ${name}`);
      return p;
    },
    can: (from, to, port) => {
      const number = to.ports.get(port);
      if (number === undefined) throw new Error(`no port ${port}`);
      return admits(policies, to, number, from);
    },
  };
}

/** Prometheus as prometheus-operator v0.93 labels its pods (pkg/prometheus/server), in its own namespace. */
export const PROMETHEUS: Foreign = {
  namespace: { 'kubernetes.io/metadata.name': 'monitoring' },
  pod: {
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/instance': 'k8s',
    prometheus: 'k8s',
    'operator.prometheus.io/name': 'k8s',
    'operator.prometheus.io/shard': '0',
  },
};
