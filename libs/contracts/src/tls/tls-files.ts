import { readFileSync } from 'node:fs';

/** Certificate files for mutual TLS: every member presents a certificate signed by `caFile`. */
export interface TlsPaths {
  caFile: string;
  certFile: string;
  keyFile: string;
  /**
   * The name the other side's certificate must carry; default: the host dialled. Workers dial each
   * other by address (a pod IP no certificate names), so they check for `WORKER_SERVER_NAME`.
   */
  serverName?: string;
}

/** The PEM contents of `TlsPaths`, as Node's TLS and gRPC credentials take them. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  serverName?: string;
}

/** Reads the three files (callers read them once, not per connection). */
export function readTls(paths: TlsPaths): TlsMaterial {
  return {
    ca: readFileSync(paths.caFile),
    cert: readFileSync(paths.certFile),
    key: readFileSync(paths.keyFile),
    ...(paths.serverName === undefined ? {} : { serverName: paths.serverName }),
  };
}
