import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { describe, expect } from 'vitest';
import { TLS_FILES, WORKER_SERVER_NAME } from '@repvgg/contracts/tls/tls-dir';
import { CRD_VALIDATORS, validateCrd } from './crd-schema.support';
import {
  manifestIt,
  named,
  render,
  renderWith,
  TARGETS,
  template,
  workloads,
} from './kustomize.support';

const SECRET = 'repvgg-tls';

interface CertificateSpec {
  secretName: string;
  isCA?: boolean;
  dnsNames?: string[];
  usages?: string[];
  issuerRef: { group?: string; kind?: string; name: string };
}
interface IssuerSpec {
  selfSigned?: object;
  ca?: { secretName: string };
}

/** The directory the pod mounts the Secret `repvgg-tls` at, from its volumes and mounts. */
function tlsMountOf(spec: IPodSpec, container: IContainer): string | undefined {
  const volume = spec.volumes?.find((v) => v.secret?.secretName === SECRET);
  if (volume === undefined) return undefined;
  return container.volumeMounts?.find((m) => m.name === volume.name && m.readOnly === true)
    ?.mountPath;
}

/** What a container passes as its TLS directory: `--tls-dir`, else REPVGG_TLS_DIR. */
function tlsDirOf(container: IContainer): string | undefined {
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const flag = args.indexOf('--tls-dir');
  if (flag >= 0) return args[flag + 1];
  return container.env?.find((e) => e.name === 'REPVGG_TLS_DIR')?.value;
}

/** The host a worker dials the rendezvous at (`--coordinator host:port`). */
function rendezvousHost(worker: IContainer): string {
  const args = worker.command ?? [];
  const address = args[args.indexOf('--coordinator') + 1] ?? '';
  return address.slice(0, address.lastIndexOf(':'));
}

describe.each(TARGETS)('mutual TLS in k8s/%s', (target) => {
  manifestIt(
    'the coordinator and every worker run with the Secret repvgg-tls as their TLS directory',
    () => {
      const objs = render(target);
      const pods = workloads(objs);
      expect(pods.map((o) => o.metadata.name).sort()).toEqual(
        ['redis', 'repvgg-coordinator', 'repvgg-worker'].sort(),
      );
      for (const o of pods) {
        if (o.metadata.name === 'redis') continue;
        const spec = template(o).spec!;
        const [container] = spec.containers;
        const mount = tlsMountOf(spec, container);
        expect(mount, o.metadata.name).toBeDefined();
        expect(tlsDirOf(container), o.metadata.name).toBe(mount);
      }
    },
  );

  manifestIt(
    'components/cert-manager issues repvgg-tls from its own CA for both names and both ends',
    () => {
      const objs = renderWith(target, 'cert-manager');
      const own = objs.filter((o) => o.apiVersion.startsWith('cert-manager.io/'));
      expect(own.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'Certificate/repvgg-ca',
        'Certificate/repvgg-tls',
        'Issuer/repvgg-ca',
        'Issuer/repvgg-selfsigned',
      ]);
      for (const o of own) {
        const validate = CRD_VALIDATORS.get(`${o.apiVersion}/${o.kind}`);
        expect(validate, `${o.apiVersion} ${o.kind}`).toBeDefined();
        validateCrd(validate!, o);
      }

      // The chain: repvgg-tls ← Issuer repvgg-ca (a CA issuer on the CA Certificate's Secret) ←
      // the self-signed Issuer; all namespaced, so a Certificate names an Issuer of its namespace.
      const leaf = named(objs, 'Certificate', SECRET).spec as CertificateSpec;
      expect(leaf.secretName).toBe(SECRET);
      expect(leaf.issuerRef).toMatchObject({ kind: 'Issuer', name: 'repvgg-ca' });
      const caIssuer = named(objs, 'Issuer', leaf.issuerRef.name).spec as IssuerSpec;
      const ca = named(objs, 'Certificate', 'repvgg-ca').spec as CertificateSpec;
      expect(caIssuer.ca?.secretName).toBe(ca.secretName);
      expect(ca.isCA).toBe(true);
      expect(named(objs, 'Issuer', ca.issuerRef.name).spec).toEqual({ selfSigned: {} });

      // Valid where it is checked: the host workers dial the rendezvous at, and the name peers check.
      const worker = template(named(objs, 'StatefulSet', 'repvgg-worker')).spec!.containers[0];
      const coordinatorService = named(objs, 'Service', rendezvousHost(worker));
      expect(leaf.dnsNames).toEqual(
        expect.arrayContaining([coordinatorService.metadata.name, WORKER_SERVER_NAME]),
      );
      expect(leaf.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
      // cert-manager writes these keys (a kubernetes.io/tls Secret plus ca.crt): --tls-dir's files.
      expect(TLS_FILES).toEqual({ ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' });
    },
  );
});
