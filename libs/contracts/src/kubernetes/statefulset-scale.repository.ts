import {
  AppsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
} from '@kubernetes/client-node';
import { contextNamespace, loadKubeConfig } from './kube-config';

/**
 * The coordinator's access to the Kubernetes API: the scale subresource of one StatefulSet, and nothing
 * else (its RBAC Role, k8s/components/coordinator-scaler, grants only `statefulsets/scale` get/patch/update).
 * Every Kubernetes API client of this project lives in this folder.
 */
export class StatefulSetScaleRepository {
  private readonly api: AppsV1Api;
  private readonly mergePatch: ConfigurationOptions = setHeaderOptions(
    'Content-Type',
    PatchStrategy.MergePatch,
  );
  readonly namespace: string;
  readonly name: string;

  /**
   * @param target `[namespace/]name`; without a namespace, the kubeconfig context's (in a pod: its own)
   * @param kubeconfigPath a kubeconfig file; without one, the pod's service account (in-cluster)
   */
  constructor(target: string, kubeconfigPath?: string) {
    const kc = loadKubeConfig(kubeconfigPath);
    const slash = target.indexOf('/');
    this.namespace = slash >= 0 ? target.slice(0, slash) : contextNamespace(kc);
    this.name = target.slice(slash + 1);
    this.api = kc.makeApiClient(AppsV1Api);
  }

  /** The replicas the StatefulSet asks for now (whoever set them: this scaler, `kubectl scale`, an apply). */
  async replicas(): Promise<number> {
    const scale = await this.api.readNamespacedStatefulSetScale({
      name: this.name,
      namespace: this.namespace,
    });
    return scale.spec?.replicas ?? 0;
  }

  async scaleTo(replicas: number): Promise<void> {
    await this.api.patchNamespacedStatefulSetScale(
      { name: this.name, namespace: this.namespace, body: { spec: { replicas } } },
      this.mergePatch,
    );
  }
}
