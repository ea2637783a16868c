/** Certificate files for mutual TLS: every member presents a certificate signed by `caFile`. */
export interface TlsPaths {
  caFile: string;
  certFile: string;
  keyFile: string;
}
