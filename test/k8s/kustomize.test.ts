import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { describe, expect } from 'vitest';
import { CRD_VALIDATORS, validateCrd } from './crd-schema.support';
import { manifestIt, podOwners, render, TARGETS, template, type Obj } from './kustomize.support';

/** Every kind the manifests may contain, with the model that validates it: an unknown kind fails. */
const MODELS: Record<string, (o: Obj) => { validate(): void }> = {
  'apps/v1/Deployment': (o) => new Deployment(o),
  'apps/v1/StatefulSet': (o) => new StatefulSet(o),
  'batch/v1/Job': (o) => new Job(o),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o),
  'v1/Namespace': (o) => new Namespace(o),
  'v1/PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o),
  'v1/Secret': (o) => new Secret(o),
  'v1/Service': (o) => new Service(o),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o),
  'rbac.authorization.k8s.io/v1/Role': (o) => new Role(o),
  // roleRef is required by the type; validate() is what checks it
  'rbac.authorization.k8s.io/v1/RoleBinding': (o) => new RoleBinding(o as never),
  'v1/ServiceAccount': (o) => new ServiceAccount(o),
  // the operators' kinds (KEDA, prometheus-operator) against their CRD schemas in test/fixtures (SOURCE.md there)
  ...Object.fromEntries(
    [...CRD_VALIDATORS].map(([kind, check]) => [
      kind,
      (o: Obj) => ({
        validate: () => {
          validateCrd(check, o);
        },
      }),
    ]),
  ),
};

const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`${kind}/${name} is not rendered`);
  return o;
};
const containers = (o: Obj): IContainer[] => {
  const spec = template(o).spec!;
  return [...(spec.initContainers ?? []), ...spec.containers];
};
const container = (o: Obj, name: string): IContainer => containers(o).find((c) => c.name === name)!;
const env = (c: IContainer, name: string): string | undefined =>
  c.env?.find((e) => e.name === name)?.value;

describe.each(TARGETS)('kubectl kustomize k8s/%s', (target) => {
  manifestIt('renders only valid objects (kubernetes-models)', () => {
    const objs = render(target);
    expect(objs.length).toBeGreaterThan(0);
    for (const o of objs) {
      const model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(model, `${o.apiVersion} ${o.kind} has no validator here`).toBeDefined();
      expect(() => {
        model(o).validate();
      }, `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  manifestIt('runs every container non-root on a read-only root filesystem', () => {
    for (const w of podOwners(render(target))) {
      const pod = template(w).spec!;
      for (const c of containers(w)) {
        const where = `${w.metadata.name}/${c.name}`;
        const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        expect(nonRoot, where).toBe(true);
        expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
        expect(c.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext?.capabilities?.drop, where).toEqual(['ALL']);
        // a Job's container runs to completion: nothing to probe
        if (w.kind !== 'Job') {
          expect(c.readinessProbe, `${where}: readiness probe`).toBeDefined();
          expect(c.livenessProbe, `${where}: liveness probe`).toBeDefined();
        }
        expect(c.resources?.requests?.cpu, where).toBeDefined();
        expect(c.resources?.requests?.memory, where).toBeDefined();
        expect(c.resources?.limits?.memory, where).toBeDefined();
        expect(c.resources?.requests, where).toBeDefined();
        expect(c.resources?.limits, where).toBeDefined();
        expect(c.resources?.requests?.['nvidia.com/gpu'], `${where}: GPUs only in limits`).toBe(
          undefined,
        );
      }
    }
  });

  manifestIt('gives workers a headless Service, a PDB and a drain window', () => {
    const objs = render(target);
    const sts = find(objs, 'StatefulSet', 'repvgg-worker');
    const svc = find(objs, 'Service', 'repvgg-worker');
    const svcSpec = new Service(svc).spec!;
    expect(svcSpec.clusterIP).toBe('None');
    expect(svcSpec.publishNotReadyAddresses).toBe(true);
    expect((sts.spec as { serviceName: string }).serviceName).toBe('repvgg-worker');
    const podLabels = template(sts).metadata!.labels!;
    expect(podLabels).toMatchObject(svcSpec.selector!);
    const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget');
    const pdbSelector = new PodDisruptionBudget(pdb).spec!.selector!.matchLabels!;
    expect(podLabels).toMatchObject(pdbSelector);

    const pod = template(sts).spec!;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
    // Scalers change the replica count: pods start and stop together, each drained by its preStop hook
    // (SIGTERM to the worker, PID 1, then wait for it to leave at its step boundary).
    expect((sts.spec as { podManagementPolicy?: string }).podManagementPolicy).toBe('Parallel');
    expect(container(sts, 'worker').lifecycle?.preStop?.exec?.command).toEqual([
      'sh',
      '-c',
      'kill -TERM 1; while kill -0 1 2>/dev/null; do sleep 1; done',
    ]);
    const worker = container(sts, 'worker');
    expect(worker.command).toEqual([
      'node',
      'bin/repvgg.js',
      'worker',
      '--coordinator',
      'repvgg-coordinator:50051',
      '--host',
      '$(POD_IP)',
      '--port',
      '50052',
      '--data-port',
      '50053',
      '--artifacts',
      '/artifacts',
      '--token-file',
      '/var/run/secrets/repvgg-worker/token',
      '--tls-dir',
      '/var/run/secrets/repvgg-tls',
      '--metrics-port',
      '9464',
    ]);
    // Both collective planes are declared: gRPC (pings, port discovery) and the raw-TCP data plane; and
    // the metrics port, by name for the PodMonitor and the NetworkPolicy.
    expect(worker.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ['collective', 50052],
      ['collective-data', 50053],
      ['metrics', 9464],
    ]);
    expect(svcSpec.ports?.map((p) => p.targetPort)).toEqual(['collective', 'collective-data']);
    expect(worker.env?.find((e) => e.name === 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe(
      'status.podIP',
    );
    const tmp = worker.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  manifestIt('probes the coordinator: startup, readiness on Redis, cheap liveness', () => {
    const objs = render(target);
    const c = container(find(objs, 'Deployment', 'repvgg-coordinator'), 'coordinator');
    expect(c.command).toEqual(['node', 'bin/repvgg.js', 'coordinator']);
    expect(c.startupProbe?.httpGet?.path).toBe('/health/live');
    expect(c.readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(c.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(env(c, 'REDIS_URL')).toBe('redis://redis:6379');
    expect(env(c, 'REPVGG_API_TOKEN_FILE')).toMatch(/^\//);
    // The coordinator reads the worker token from the same Secret the workers mount.
    const tokenFile = env(c, 'REPVGG_WORKER_TOKEN_FILE') ?? '';
    const worker = container(find(objs, 'StatefulSet', 'repvgg-worker'), 'worker');
    expect(worker.command?.[worker.command.indexOf('--token-file') + 1]).toBe(tokenFile);
    const secretOf = (w: Obj, cont: IContainer): string | undefined => {
      const mount = cont.volumeMounts?.find((m) => tokenFile.startsWith(`${m.mountPath}/`));
      return template(w).spec!.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName;
    };
    const fromCoordinator = secretOf(find(objs, 'Deployment', 'repvgg-coordinator'), c);
    expect(fromCoordinator).toMatch(/^repvgg-worker-token/);
    expect(secretOf(find(objs, 'StatefulSet', 'repvgg-worker'), worker)).toBe(fromCoordinator);
    const svc = new Service(find(objs, 'Service', 'repvgg-coordinator')).spec!;
    expect(svc.ports?.map((p) => p.port).sort()).toEqual([50051, 8080]);
    find(objs, 'Service', 'redis');
  });

  manifestIt('keeps Redis durable: AOF on a persistent volume', () => {
    const sts = find(render(target), 'StatefulSet', 'redis');
    const args = container(sts, 'redis').args ?? [];
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
    const dir = args[args.indexOf('--dir') + 1];
    const claims = new StatefulSet(sts).spec!.volumeClaimTemplates ?? [];
    const mount = container(sts, 'redis').volumeMounts?.find((m) => m.mountPath === dir);
    expect(claims.map((c) => c.metadata?.name)).toContain(mount?.name);
  });

  manifestIt('uses the one repvgg-dist image and requests GPUs only in gpu', () => {
    const objs = render(target);
    for (const w of podOwners(objs).filter((o) => o.metadata.name.startsWith('repvgg-'))) {
      for (const c of containers(w)) expect(c.image).toMatch(/^repvgg-dist:/);
    }
    const gpuHolders = podOwners(objs).flatMap((w) =>
      containers(w)
        .filter((c) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined)
        .map((c) => `${w.metadata.name}/${c.name}`),
    );
    const worker = container(find(objs, 'StatefulSet', 'repvgg-worker'), 'worker');
    if (target === 'overlays/gpu') {
      expect(gpuHolders).toEqual(['repvgg-worker/worker']);
      expect(worker.resources?.limits?.['nvidia.com/gpu']).toBe(1);
      expect(env(worker, 'REPVGG_BACKEND')).toBe('tensorflow');
    } else {
      expect(gpuHolders).toEqual([]);
    }
    if (target === 'overlays/dev') {
      expect(env(worker, 'REPVGG_BACKEND')).toBe('wasm');
      expect(
        new StatefulSet(find(objs, 'StatefulSet', 'repvgg-worker') as never).spec!.replicas,
      ).toBe(2);
    }
  });

  manifestIt('leaves namespaces to the overlays', () => {
    const namespaced = render(target).filter((o) => o.kind !== 'Namespace');
    const namespaces = new Set(namespaced.map((o) => o.metadata.namespace));
    if (target === 'base') expect([...namespaces]).toEqual([undefined]);
    else expect(namespaces.size === 1 && !namespaces.has(undefined)).toBe(true);
  });
});
