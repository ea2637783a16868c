/**
 * Where the bulk bytes of a generation travel. 'tcp' (default): raw TCP links negotiated over gRPC,
 * no user-space copies. 'grpc': gRPC `Pull` streams, one framework end to end, at about three times the
 * CPU per byte (docs/collective.md). Every member of a generation must use the same one. (No imports:
 * the CLI reads this at start-up without loading gRPC.)
 */
export type DataPlane = 'tcp' | 'grpc';
export const DATA_PLANES: readonly DataPlane[] = ['tcp', 'grpc'];
export const DEFAULT_DATA_PLANE: DataPlane = 'tcp';

/** A data plane name that is neither 'tcp' nor 'grpc' (a usage error). */
export class UnknownDataPlaneError extends Error {
  constructor(readonly value: string) {
    super(`unknown data plane "${value}"; use one of ${DATA_PLANES.join(', ')}`);
    this.name = 'UnknownDataPlaneError';
  }
}

/** Reads a data plane name (e.g. from REPVGG_DATA_PLANE); undefined or empty means the default. */
export function parseDataPlane(value: string | undefined): DataPlane {
  if (value === undefined || value === '') return DEFAULT_DATA_PLANE;
  if ((DATA_PLANES as readonly string[]).includes(value)) return value as DataPlane;
  throw new UnknownDataPlaneError(value);
}
