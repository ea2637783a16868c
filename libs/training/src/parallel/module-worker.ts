import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type ChildProcess, fork, spawn, type StdioOptions } from 'node:child_process';

/**
 * Run from the source tree (vitest, no build), a worker cannot load a `.ts` entry by itself: this
 * prelude transpiles TypeScript with the TypeScript compiler (a pure-JS dev dependency; SWC's native
 * binding crashed the process with SIGSEGV when a thread loaded it after an earlier thread that had it
 * ended) and maps the `@repvgg/*` path aliases the way tsconfig.json does. Transpiled files are
 * cached by content under node_modules/.cache/repvgg/thread-ts: every thread would otherwise load the
 * compiler and transpile the same few hundred files again (seconds per thread on a loaded machine).
 * The built package (dist/) starts the `.js` entry directly. Child processes (startModuleProcess) run
 * the same prelude, given the entry in their environment instead of workerData.
 */
const TS_PRELUDE = `
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { workerData } = require('node:worker_threads');
const { root, entry } = workerData?.__source ?? JSON.parse(process.env.REPVGG_TS_SOURCE);
let ts;
const tsc = () => (ts ??= require('typescript'));
const libs = { core: 'libs/repvgg/src', contracts: 'libs/contracts/src', training: 'libs/training/src', collective: 'libs/collective/src' };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@repvgg\\/(core|contracts|training|collective)(\\/.*)?$/.exec(request);
  if (m) request = path.join(root, libs[m[1]], m[2] ? m[2].slice(1) : 'index');
  return resolveFilename.call(this, request, ...rest);
};
const cacheDir = path.join(root, 'node_modules', '.cache', 'repvgg', 'thread-ts');
const tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
const transpile = (text, filename) =>
  tsc().transpileModule(text, {
    fileName: filename,
    compilerOptions: {
      module: tsc().ModuleKind.CommonJS, target: tsc().ScriptTarget.ES2022, esModuleInterop: true,
      experimentalDecorators: true, emitDecoratorMetadata: true, sourceMap: false,
    },
  }).outputText;
Module._extensions['.ts'] = function (module, filename) {
  const text = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(tsVersion + '\\0' + filename + '\\0' + text).digest('hex');
  const cached = path.join(cacheDir, key.slice(0, 32) + '.js');
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = transpile(text, filename);
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2) + '.tmp';
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {}
  }
  module._compile(code, filename);
};
require(entry);
`;

const sourceRoot = (): string => resolve(__dirname, '..', '..', '..', '..');

/** Starts `<dir>/<name>.js` (built) or `<dir>/<name>.ts` (source tree) as a worker thread. */
export function startModuleWorker(dir: string, name: string, workerData: unknown): Worker {
  const built = join(dir, `${name}.js`);
  if (existsSync(built)) return new Worker(built, { workerData });
  return new Worker(TS_PRELUDE, {
    eval: true,
    workerData: {
      ...(workerData as object),
      __source: { root: sourceRoot(), entry: join(dir, `${name}.ts`) },
    },
  });
}

/**
 * Starts `<dir>/<name>.js` (built) or `<dir>/<name>.ts` (source tree) as a child process with an IPC
 * channel in 'advanced' serialization (Maps and typed arrays cross it as they are). It inherits the
 * environment (e.g. CUDA_VISIBLE_DEVICES) and stderr.
 */
export function startModuleProcess(dir: string, name: string): ChildProcess {
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];
  const built = join(dir, `${name}.js`);
  if (existsSync(built)) return fork(built, [], { stdio, serialization: 'advanced' });
  const source = JSON.stringify({ root: sourceRoot(), entry: join(dir, `${name}.ts`) });
  return spawn(process.execPath, ['-e', TS_PRELUDE], {
    stdio,
    serialization: 'advanced',
    env: { ...process.env, REPVGG_TS_SOURCE: source },
  });
}
