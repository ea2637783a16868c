import type { Command } from 'commander';
import { KubernetesApiError } from '@repvgg/contracts/kubernetes/kubernetes-api.error';
import { bootstrapSecrets } from '../bootstrap/bootstrap-secrets';
import { EXIT_FAILURE, ExitCodeError } from '../errors/exit-code.error';
import { UsageError } from '../errors/usage.error';

interface BootstrapOptions {
  readonly namespace?: string;
  readonly kubeconfig?: string;
}

const HTTP_UNAUTHORIZED = 401;
const HTTP_FORBIDDEN = 403;

/** The kubeconfig to use: --kubeconfig, else KUBECONFIG, else (in a pod) none: the service account. */
function kubeconfigOf(flag: string | undefined): string | undefined {
  const path = flag ?? process.env.KUBECONFIG;
  if (path !== undefined && path !== '') return path;
  if (process.env.KUBERNETES_SERVICE_HOST === undefined) {
    throw new UsageError(
      'no Kubernetes API to talk to (not in a pod, no KUBECONFIG)',
      'pass --kubeconfig FILE or set KUBECONFIG',
    );
  }
  return undefined;
}

function apiFailure(err: KubernetesApiError): ExitCodeError {
  const denied = err.status === HTTP_UNAUTHORIZED || err.status === HTTP_FORBIDDEN;
  return new ExitCodeError(
    `cannot ${err.message}`,
    denied
      ? "bind the Role of k8s/components/bootstrap-secrets to this pod's service account (or use a kubeconfig that may get and create these Secrets)"
      : 'check that the Kubernetes API server is reachable and retry',
    EXIT_FAILURE,
  );
}

export function registerBootstrapSecrets(program: Command): void {
  program
    .command('bootstrap-secrets')
    .description(
      'create the Secrets k8s/base mounts, each only if it is absent: repvgg-api-token (key tokens), repvgg-worker-token (key token) and repvgg-tls (a fresh CA, dropped with its key once it has signed one certificate for repvgg-coordinator and repvgg-worker); existing ones are left as they are. The Job of k8s/components/bootstrap-secrets runs it in the cluster',
    )
    .option(
      '--namespace <ns>',
      "the Secrets' namespace (default: the kubeconfig context's; in a pod, its own)",
    )
    .option(
      '--kubeconfig <file>',
      "a kubeconfig (default: KUBECONFIG, else the pod's service account)",
    )
    .action(async (opts: BootstrapOptions) => {
      const kubeconfig = kubeconfigOf(opts.kubeconfig);
      // Loaded here: @kubernetes/client-node takes seconds to load, which no other command should pay.
      const { SecretRepository } = await import('@repvgg/contracts/kubernetes/secret.repository');
      const store = new SecretRepository(opts.namespace, kubeconfig);
      try {
        await bootstrapSecrets(store, (line) => process.stdout.write(`${line}\n`));
      } catch (err) {
        throw err instanceof KubernetesApiError ? apiFailure(err) : err;
      }
    });
}
