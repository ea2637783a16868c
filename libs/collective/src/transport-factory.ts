import { GrpcTransport, type GrpcTransportOptions } from './grpc/grpc.transport';
import type { PeerTransport } from './peer-transport';
import { TcpTransport, type TcpTransportOptions } from './tcp/tcp.transport';

/**
 * Where the bulk bytes of a generation travel. 'tcp' (default): raw TCP links negotiated over gRPC,
 * no user-space copies. 'grpc': gRPC `Pull` streams, one framework end to end, at about three times the
 * CPU per byte (docs/collective.md). Every member of a generation must use the same one.
 */
export type DataPlane = 'tcp' | 'grpc';
export const DATA_PLANES: readonly DataPlane[] = ['tcp', 'grpc'];

export type TransportOptions = TcpTransportOptions &
  Pick<GrpcTransportOptions, 'connectionsPerPeer'> & { dataPlane?: DataPlane };

export function createTransport(options: TransportOptions): PeerTransport {
  return (options.dataPlane ?? 'tcp') === 'tcp'
    ? new TcpTransport(options)
    : new GrpcTransport(options);
}

/** Reads a data plane name (e.g. from REPVGG_DATA_PLANE); undefined means the default. */
export function parseDataPlane(value: string | undefined): DataPlane {
  if (value === undefined || value === '') return 'tcp';
  if ((DATA_PLANES as readonly string[]).includes(value)) return value as DataPlane;
  throw new RangeError(`unknown data plane "${value}": use one of ${DATA_PLANES.join(', ')}`);
}
