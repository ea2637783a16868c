import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Run from the source tree (vitest, no build), a worker cannot load a `.ts` entry by itself: this
 * prelude transpiles TypeScript with the TypeScript compiler (a pure-JS dev dependency; SWC's native
 * binding crashed the process with SIGSEGV when a thread loaded it after an earlier thread that had it
 * ended) and maps the `@repvgg/*` path aliases the way tsconfig.json does. The built package (dist/)
 * starts the `.js` entry directly.
 */
const TS_PRELUDE = `
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const ts = require('typescript');
const { root, entry } = workerData.__source;
const libs = { core: 'libs/repvgg/src', contracts: 'libs/contracts/src', training: 'libs/training/src', collective: 'libs/collective/src' };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@repvgg\\/(core|contracts|training|collective)(\\/.*)?$/.exec(request);
  if (m) request = path.join(root, libs[m[1]], m[2] ? m[2].slice(1) : 'index');
  return resolveFilename.call(this, request, ...rest);
};
const compilerOptions = {
  module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
  experimentalDecorators: true, emitDecoratorMetadata: true, sourceMap: false,
};
Module._extensions['.ts'] = function (module, filename) {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename, compilerOptions,
  });
  module._compile(outputText, filename);
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
