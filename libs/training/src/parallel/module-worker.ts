import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Run from the source tree (vitest, no build), a worker cannot load a `.ts` entry by itself: this
 * prelude compiles TypeScript with SWC (the compiler vitest already uses) and maps the `@repvgg/*`
 * path aliases the way tsconfig.json does. The built package (dist/) starts the `.js` entry directly.
 */
const TS_PRELUDE = `
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const { transformSync } = require('@swc/core');
const { root, entry } = workerData.__source;
const libs = { core: 'libs/repvgg/src', contracts: 'libs/contracts/src', training: 'libs/training/src', collective: 'libs/collective/src' };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@repvgg\\/(core|contracts|training|collective)(\\/.*)?$/.exec(request);
  if (m) request = path.join(root, libs[m[1]], m[2] ? m[2].slice(1) : 'index');
  return resolveFilename.call(this, request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022',
           transform: { legacyDecorator: true, decoratorMetadata: true } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(entry);
`;

/** Starts `<dir>/<name>.js` (built) or `<dir>/<name>.ts` (source tree) as a worker thread. */
export function startModuleWorker(dir: string, name: string, workerData: unknown): Worker {
  const built = join(dir, `${name}.js`);
  if (existsSync(built)) return new Worker(built, { workerData });
  const root = resolve(__dirname, '..', '..', '..', '..');
  return new Worker(TS_PRELUDE, {
    eval: true,
    workerData: { ...(workerData as object), __source: { root, entry: join(dir, `${name}.ts`) } },
  });
}
