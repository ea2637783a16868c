import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretDraft } from '@repvgg/contracts/kubernetes/secret.repository';
import { TLS_FILES } from '@repvgg/contracts/tls/tls-dir';
import { createCertificateAuthority, issueCertificate } from '../cluster/certificate-authority';
import { CA_DAYS, KUBERNETES_LEAF } from '../cluster/cluster-tls';
import { newToken } from '../cluster/cluster-token';

/** A Secret k8s/base mounts, and how to make its contents (only called when it is absent). */
export interface PlannedSecret {
  readonly name: string;
  readonly make: () => SecretDraft;
}

/**
 * A fresh CA signs one certificate (KUBERNETES_LEAF: repvgg-coordinator and repvgg-worker, server
 * and client) and is dropped with its key, so nothing else can ever be signed by it. The keys are
 * those cert-manager writes (a kubernetes.io/tls Secret plus ca.crt): `--tls-dir`'s files.
 */
function tlsSecret(name: string): SecretDraft {
  const scratch = mkdtempSync(join(tmpdir(), 'repvgg-bootstrap-tls-'));
  try {
    const ca = createCertificateAuthority(join(scratch, 'ca'), 'repvgg Kubernetes CA', CA_DAYS);
    const dir = join(scratch, 'tls');
    issueCertificate(ca, dir, KUBERNETES_LEAF);
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    return {
      name,
      type: 'kubernetes.io/tls',
      stringData: {
        [TLS_FILES.ca]: read(TLS_FILES.ca),
        [TLS_FILES.cert]: read(TLS_FILES.cert),
        [TLS_FILES.key]: read(TLS_FILES.key),
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const tokenSecret = (name: string, key: string): PlannedSecret => ({
  name,
  make: () => ({ name, type: 'Opaque', stringData: { [key]: newToken() } }),
});

/**
 * What the coordinator and the workers of k8s/base mount: the API tokens (key `tokens`), the worker
 * token (key `token`) and the TLS Secret, in that order.
 */
export const BOOTSTRAP_SECRETS: readonly PlannedSecret[] = [
  tokenSecret('repvgg-api-token', 'tokens'),
  tokenSecret('repvgg-worker-token', 'token'),
  { name: 'repvgg-tls', make: () => tlsSecret('repvgg-tls') },
];
