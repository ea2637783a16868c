import type { IContainer } from 'kubernetes-models/v1/Container';
import { describe, expect, it } from 'vitest';
import { CRD_VALIDATORS, validateCrd } from './crd-schema.support';
import { manifestIt, render, TARGETS, template, type Obj } from './kustomize.support';

interface ScaledObjectSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicaCount: number;
  maxReplicaCount: number;
  advanced: {
    horizontalPodAutoscalerConfig: {
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: number;
          selectPolicy?: string;
          policies: { type: string; value: number; periodSeconds: number }[];
        };
      };
    };
  };
  triggers: {
    type: string;
    metricType: string;
    metadata: Record<string, string>;
    authenticationRef: { name: string; kind?: string };
  }[];
}

const find = (objs: Obj[], kind: string, name?: string): Obj | undefined =>
  objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const must = (o: Obj | undefined, what: string): Obj => {
  if (o === undefined) throw new Error(`${what} is not rendered`);
  return o;
};
const coordinatorContainer = (objs: Obj[]): IContainer =>
  template(must(find(objs, 'Deployment', 'repvgg-coordinator'), 'the coordinator')).spec!
    .containers[0];

/** Overlays that scale workers with KEDA; the others leave the replica count to `kubectl scale` or another scaler. */
const WITH_KEDA = new Set(['overlays/gpu']);

describe.each(TARGETS)('KEDA in k8s/%s', (target) => {
  manifestIt(
    WITH_KEDA.has(target)
      ? 'scales the worker StatefulSet on GET /v1/autoscale with the autoscaler token'
      : 'has no KEDA objects',
    () => {
      const objs = render(target);
      const so = find(objs, 'ScaledObject');
      if (!WITH_KEDA.has(target)) {
        expect(objs.filter((o) => o.apiVersion.startsWith('keda.sh/'))).toEqual([]);
        return;
      }
      const spec = must(so, 'ScaledObject').spec as ScaledObjectSpec;

      const sts = must(find(objs, 'StatefulSet', spec.scaleTargetRef.name), 'the scale target');
      expect(spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'repvgg-worker',
      });
      expect(sts.metadata.namespace).toBe(so!.metadata.namespace);
      // the CRD's CEL rule, which ajv cannot run
      expect(spec.minReplicaCount).toBeLessThanOrEqual(spec.maxReplicaCount);
      const maxWorkers = coordinatorContainer(objs).env?.find(
        (e) => e.name === 'REPVGG_MAX_WORKERS',
      )?.value;
      expect(spec.maxReplicaCount).toBeGreaterThanOrEqual(Number(maxWorkers ?? 64));

      // one pod at a time, after a stabilization window
      const down = spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
      expect(down.stabilizationWindowSeconds).toBeGreaterThan(0);
      expect(down.policies.length).toBeGreaterThan(0);
      for (const p of down.policies) expect([p.type, p.value]).toEqual(['Pods', 1]);

      // the trigger reaches the coordinator's HTTP port in the overlay's namespace, from KEDA's
      expect(spec.triggers).toHaveLength(1);
      const [trigger] = spec.triggers;
      const svc = must(find(objs, 'Service', 'repvgg-coordinator'), 'the coordinator Service');
      const http = (svc.spec as { ports: { name: string; port: number }[] }).ports.find(
        (p) => p.name === 'http',
      );
      expect(trigger).toMatchObject({
        type: 'metrics-api',
        metricType: 'AverageValue',
        metadata: {
          url: `http://repvgg-coordinator.${svc.metadata.namespace}.svc:${http?.port}/v1/autoscale`,
          valueLocation: 'desiredWorkers',
          targetValue: '1',
          authMode: 'bearer',
        },
      });

      // KEDA's bearer token is one of the coordinator's API tokens, from the same Secret key
      const auth = must(
        find(objs, 'TriggerAuthentication', trigger.authenticationRef.name),
        'the TriggerAuthentication',
      ).spec as { secretTargetRef: { parameter: string; name: string; key: string }[] };
      expect(auth.secretTargetRef).toEqual([
        { parameter: 'token', name: 'repvgg-autoscaler-token', key: 'token' },
      ]);
      const tokens = coordinatorContainer(objs).env?.find((e) => e.name === 'REPVGG_API_TOKENS');
      expect(tokens?.valueFrom?.secretKeyRef).toEqual({
        name: 'repvgg-autoscaler-token',
        key: 'token',
      });
    },
  );
});

describe('the KEDA CRD validator', () => {
  const validate = (kind: string, o: unknown) => () => {
    validateCrd(CRD_VALIDATORS.get(`keda.sh/v1alpha1/${kind}`)!, o);
  };
  const so = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'x' },
    spec: {
      scaleTargetRef: { name: 'w' },
      triggers: [{ type: 'metrics-api', metadata: { url: 'http://c/v1/autoscale' } }],
    },
  };

  it('accepts a minimal ScaledObject and refuses a misspelt field, a wrong type and a missing one', () => {
    expect(validate('ScaledObject', so)).not.toThrow();
    expect(validate('ScaledObject', { ...so, spec: { ...so.spec, maxReplicas: 3 } })).toThrow(
      /additionalProperty.*maxReplicas/,
    );
    expect(validate('ScaledObject', { ...so, spec: { ...so.spec, minReplicaCount: '0' } })).toThrow(
      /minReplicaCount must be integer/,
    );
    expect(validate('ScaledObject', { ...so, spec: { triggers: so.spec.triggers } })).toThrow(
      /scaleTargetRef/,
    );
    expect(
      validate('TriggerAuthentication', {
        ...so,
        kind: 'TriggerAuthentication',
        spec: { secretTargetRef: [{ parameter: 'token', name: 's' }] },
      }),
    ).toThrow(/key/);
  });
});
