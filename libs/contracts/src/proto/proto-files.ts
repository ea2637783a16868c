import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The .proto files live in libs/contracts/proto; compiled code runs from dist/, which holds no
 * copy, so look beside the sources first and then in the checkout.
 */
export function protoPath(file: string): string {
  const candidates = [
    resolve(__dirname, '../../proto', file),
    resolve(__dirname, '../../../../../libs/contracts/proto', file),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(`cannot find ${file}; looked in ${candidates.join(', ')}`);
  return found;
}

/** Must match the flags the committed types were generated with (scripts/generate-types.sh). */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;
