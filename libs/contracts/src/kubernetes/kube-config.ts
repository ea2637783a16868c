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
