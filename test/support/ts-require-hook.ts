/**
 * Preloaded (`node -r`) into forked test processes, which vitest does not transform: compiles .ts
 * with SWC on load and resolves the @repvgg/* path aliases of tsconfig.json. fork-ts.ts compiles this
 * file itself to JavaScript before using it.
 */
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { transformSync } from '@swc/core';

const root = resolve(__dirname, '..', '..');
const aliases: Record<string, string> = {
  '@repvgg/core': 'libs/repvgg/src',
  '@repvgg/contracts': 'libs/contracts/src',
  '@repvgg/training': 'libs/training/src',
  '@repvgg/collective': 'libs/collective/src',
  '@repvgg/worker': 'apps/worker/src',
  '@repvgg/coordinator': 'apps/coordinator/src',
};

type Resolver = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolver };
const originalResolve = loader._resolveFilename;
loader._resolveFilename = function resolveAlias(request, ...rest) {
  for (const [alias, dir] of Object.entries(aliases)) {
    if (request === alias) return originalResolve(join(root, dir, 'index.ts'), ...rest);
    if (request.startsWith(alias + '/')) {
      return originalResolve(join(root, dir, request.slice(alias.length + 1)), ...rest);
    }
  }
  return originalResolve(request, ...rest);
};

type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): void };
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the CommonJS hook is the only sync loader hook in Node 20
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  });
  (module as CompilingModule)._compile(code, filename);
};
