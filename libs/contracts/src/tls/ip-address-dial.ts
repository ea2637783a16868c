import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { hostOf } from '../net/host-port';
import { channelCredentials } from './grpc-credentials';
import type { TlsMaterial } from './tls-files';

/** The server name a channel sends when it dials an IP address: the rendezvous's Service name. */
export const IP_DIAL_SNI = 'repvgg-coordinator';

/** A channel's credentials and options together, as `new grpc.Client(address, credentials, options)` takes them. */
export interface Dial {
  readonly credentials: grpc.ChannelCredentials;
  readonly options: grpc.ChannelOptions;
}

/**
 * How to dial `address` (plaintext without `tls`). grpc-js sends the host dialled as the TLS server
 * name (SNI), and RFC 6066 allows only host names there: an IP address draws Node's DEP0123. For an
 * IP address the channel sends IP_DIAL_SNI instead, while the server's certificate is still checked
 * for the address dialled (an IP subjectAltName), exactly as without this; a host name, or
 * `tls.serverName` (see `serverNameOptions`), needs nothing of this.
 */
export function dialTls(address: string, tls: TlsMaterial | undefined): Dial {
  const host = hostOf(address);
  if (tls === undefined || tls.serverName !== undefined || isIP(host) === 0) {
    return { credentials: channelCredentials(tls), options: {} };
  }
  return {
    credentials: grpc.credentials.createSsl(tls.ca, tls.key, tls.cert, {
      checkServerIdentity: (_sni, cert) => checkServerIdentity(host, cert),
    }),
    options: { 'grpc.ssl_target_name_override': IP_DIAL_SNI },
  };
}
