import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkTlsDir, TlsDirError, WORKER_SERVER_NAME } from '@repvgg/contracts/tls/tls-dir';
import { createCertificateAuthority, issueCertificate, type Leaf } from './certificate-authority';

/** The local cluster's TLS directories, one per role, each a `--tls-dir`. */
export interface ClusterTls {
  /** The coordinator's: valid for 127.0.0.1 and localhost, where workers dial the rendezvous. */
  readonly coordinator: string;
  /** Every worker's: valid for WORKER_SERVER_NAME, which peers check. */
  readonly worker: string;
  /**
   * For the `repvgg-tls` Secret of a Kubernetes cluster (docs/kubernetes.md): one certificate that
   * every pod presents, valid for the coordinator's Service name and for WORKER_SERVER_NAME.
   */
  readonly kubernetes: string;
  /** True when this call made them (the first `up`, or the old ones were unusable or expiring). */
  readonly created: boolean;
}

export const CLUSTER_TLS_DIR = 'tls';
/** The coordinator's Service in k8s/base, the host workers dial there (`repvgg-coordinator:50051`). */
const KUBERNETES_COORDINATOR_NAME = 'repvgg-coordinator';
export const CA_DAYS = 3650;
const LEAF_DAYS = 825;
/**
 * The certificate of a Kubernetes cluster's `repvgg-tls` Secret: every pod presents it, as server and
 * client, so it names the host workers dial the rendezvous at and the name peers check each other for.
 */
export const KUBERNETES_LEAF: Leaf = {
  commonName: KUBERNETES_COORDINATOR_NAME,
  altNames: [`DNS:${KUBERNETES_COORDINATOR_NAME}`, `DNS:${WORKER_SERVER_NAME}`],
  days: LEAF_DAYS,
};
/** Certificates this close to expiring are made again at `up`. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

const usable = (dir: string): boolean => {
  try {
    const { certFile } = checkTlsDir(dir);
    const expires = Date.parse(new X509Certificate(readFileSync(certFile)).validTo);
    return expires - Date.now() > RENEW_BEFORE_MS;
  } catch (err) {
    if (err instanceof TlsDirError) return false;
    throw err;
  }
};

/**
 * The cluster's certificates, made once with the openssl CLI and kept across `down` / `up`: a CA
 * whose key is deleted as soon as it has signed the coordinator's, the workers' and the Kubernetes
 * certificate, so nothing else can ever join. Keys are mode 0600 in a 0700 directory.
 */
export function ensureClusterTls(clusterDir: string): ClusterTls {
  const root = join(clusterDir, CLUSTER_TLS_DIR);
  const tls = {
    coordinator: join(root, 'coordinator'),
    worker: join(root, 'worker'),
    kubernetes: join(root, 'kubernetes'),
  };
  if (Object.values(tls).every(usable)) return { ...tls, created: false };
  const scratch = join(clusterDir, `${CLUSTER_TLS_DIR}.new-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  try {
    const ca = createCertificateAuthority(join(scratch, 'ca'), 'repvgg local cluster CA', CA_DAYS);
    issueCertificate(ca, join(scratch, 'coordinator'), {
      commonName: 'repvgg-coordinator',
      altNames: ['IP:127.0.0.1', 'DNS:localhost'],
      days: LEAF_DAYS,
    });
    issueCertificate(ca, join(scratch, 'worker'), {
      commonName: WORKER_SERVER_NAME,
      altNames: [`DNS:${WORKER_SERVER_NAME}`],
      days: LEAF_DAYS,
    });
    issueCertificate(ca, join(scratch, 'kubernetes'), KUBERNETES_LEAF);
    rmSync(join(scratch, 'ca'), { recursive: true });
    if (existsSync(root)) rmSync(root, { recursive: true });
    renameSync(scratch, root);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  return { ...tls, created: true };
}
