import * as grpc from '@grpc/grpc-js';
import { readTls, type TlsMaterial, type TlsPaths } from './tls-files';

/** Plaintext without `tls`; else TLS that requires a client certificate signed by its CA. */
export function serverCredentials(tls: TlsPaths | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  const { ca, cert, key } = readTls(tls);
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

/**
 * Plaintext without `tls`; else TLS presenting its certificate and accepting only servers whose
 * certificate its CA signed, for the host dialled (or `tls.serverName`: see `serverNameOptions`).
 */
export function channelCredentials(tls: TlsMaterial | undefined): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}

/**
 * The channel options that make a TLS channel check the server's certificate for
 * `tls.serverName` instead of the host dialled, and send that name as SNI (an IP address there
 * would draw Node's DEP0123 warning); none without a server name.
 */
export function serverNameOptions(tls: TlsMaterial | undefined): grpc.ChannelOptions {
  return tls?.serverName === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName };
}
