/**
 * A Kubernetes API call that failed, in one line: what was asked, the HTTP status and the server's
 * reason. Its own file, without @kubernetes/client-node, so the CLI can check for it without
 * loading the client (seconds) for every command.
 */
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
