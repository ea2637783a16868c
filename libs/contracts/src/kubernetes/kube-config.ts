import { KubeConfig } from '@kubernetes/client-node';

/**
 * The credentials every Kubernetes API client of this project uses: the kubeconfig file at `path`,
 * else the pod's own service account (in a cluster).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path === undefined) kc.loadFromCluster();
  else kc.loadFromFile(path);
  return kc;
}

/** The current context's namespace: in a pod, the pod's own (its service account's); else `default`. */
export function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

/** An API call that failed, in one line: what was asked, the HTTP status and the server's reason. */
export class KubernetesApiError extends Error {
  override readonly name = 'KubernetesApiError';
  constructor(
    what: string,
    readonly status: number | undefined,
    reason: string,
  ) {
    super(`${what}: ${status === undefined ? '' : `HTTP ${String(status)} `}${reason}`);
  }
}
