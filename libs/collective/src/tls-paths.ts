import { readFileSync } from 'node:fs';

/** Certificate files for mutual TLS: every member presents a certificate signed by `caFile`. */
export interface TlsPaths {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The PEM contents of `TlsPaths`, as Node's TLS and gRPC credentials take them. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** Reads the three files (callers read them once, not per connection). */
export function readTls(paths: TlsPaths): TlsMaterial {
  return {
    ca: readFileSync(paths.caFile),
    cert: readFileSync(paths.certFile),
    key: readFileSync(paths.keyFile),
  };
}
