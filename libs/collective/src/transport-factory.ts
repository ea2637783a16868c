import { GrpcTransport, type GrpcTransportOptions } from './grpc/grpc.transport';
import { type DataPlane, DEFAULT_DATA_PLANE } from './data-plane';
import type { PeerTransport } from './peer-transport';
import { TcpTransport, type TcpTransportOptions } from './tcp/tcp.transport';

export type TransportOptions = TcpTransportOptions &
  Pick<GrpcTransportOptions, 'connectionsPerPeer'> & { dataPlane?: DataPlane };

export function createTransport(options: TransportOptions): PeerTransport {
  return (options.dataPlane ?? DEFAULT_DATA_PLANE) === 'tcp'
    ? new TcpTransport(options)
    : new GrpcTransport(options);
}
