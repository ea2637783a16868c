import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The .proto files live in libs/contracts/proto; compiled code runs from a build folder that holds
 * no copy, so walk up from here to the checkout that does.
 */
export function protoPath(file: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'libs', 'contracts', 'proto', file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`cannot find libs/contracts/proto/${file} above ${__dirname}`);
}

/** Must match the flags the committed types were generated with (scripts/generate-types.sh). */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;
