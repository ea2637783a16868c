/** `REPVGG_BACKEND` (or a `--backend` flag) names no backend we know. */
export class UnknownBackendError extends Error {
  constructor(value: string) {
    super(
      `unknown compute backend "${value}": set REPVGG_BACKEND to tensorflow, wasm or cpu, or unset it to choose automatically`,
    );
    this.name = 'UnknownBackendError';
  }
}

/** The requested backend could not be made active. */
export class BackendUnavailableError extends Error {
  constructor(backend: string, reason: string) {
    super(
      `compute backend "${backend}" is not available (${reason}); install it or set REPVGG_BACKEND=wasm`,
    );
    this.name = 'BackendUnavailableError';
  }
}
