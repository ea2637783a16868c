import { ApiException, CoreV1Api, V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { contextNamespace, loadKubeConfig } from './kube-config';
import { KubernetesApiError } from './kubernetes-api.error';

/** A Secret to create: its name, type and the string values of its keys. */
export interface SecretDraft {
  readonly name: string;
  readonly type: string;
  readonly stringData: Readonly<Record<string, string>>;
}

/** What `create` found: it created the Secret, or another client had created it first (409). */
export type CreateOutcome = 'created' | 'raced';

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;

/** The server's reason for a failed call: its Status message, else the exception's first line. */
function reasonOf(err: ApiException<unknown>): string {
  const body = err.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: unknown };
      if (typeof status.message === 'string') return status.message;
    } catch {
      // not a Status object: fall through to the message
    }
  }
  return err.message.split('\n')[0] ?? '';
}

/**
 * `repvgg bootstrap-secrets`'s access to the Kubernetes API: reading and creating named Secrets of
 * one namespace, nothing else (its Role, k8s/components/bootstrap-secrets, grants `get` on those
 * names and `create` on secrets).
 */
export class SecretRepository {
  private readonly api: CoreV1Api;
  readonly namespace: string;

  /**
   * @param namespace default: the kubeconfig context's (in a pod: its own)
   * @param kubeconfigPath a kubeconfig file; without one, the pod's service account (in-cluster)
   */
  constructor(namespace?: string, kubeconfigPath?: string) {
    const kc = loadKubeConfig(kubeconfigPath);
    this.namespace = namespace ?? contextNamespace(kc);
    this.api = kc.makeApiClient(CoreV1Api);
  }

  /** Whether the Secret `name` exists (GET: 200 yes, 404 no; anything else throws). */
  async exists(name: string): Promise<boolean> {
    try {
      await this.api.readNamespacedSecret({ name, namespace: this.namespace });
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === HTTP_NOT_FOUND) return false;
      throw this.failure(`get secret ${name}`, err);
    }
  }

  /** Creates the Secret (POST); a 409 means another client created it meanwhile, which is fine. */
  async create(secret: SecretDraft): Promise<CreateOutcome> {
    try {
      const body = new V1Secret();
      body.apiVersion = 'v1';
      body.kind = 'Secret';
      body.metadata = new V1ObjectMeta();
      body.metadata.name = secret.name;
      body.type = secret.type;
      body.stringData = { ...secret.stringData };
      await this.api.createNamespacedSecret({ namespace: this.namespace, body });
      return 'created';
    } catch (err) {
      if (err instanceof ApiException && err.code === HTTP_CONFLICT) return 'raced';
      throw this.failure(`create secret ${secret.name}`, err);
    }
  }

  private failure(what: string, err: unknown): KubernetesApiError {
    const where = `${what} in namespace ${this.namespace}`;
    if (err instanceof ApiException) return new KubernetesApiError(where, err.code, reasonOf(err));
    return new KubernetesApiError(where, undefined, (err as Error).message.split('\n')[0] ?? '');
  }
}
