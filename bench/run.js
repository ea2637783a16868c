#!/usr/bin/env node
'use strict';
// `npm run bench -- <name> [args…]` runs dist/bench/<name>.bench.js, rebuilding first when a
// TypeScript source is newer than the last build (or the build output is missing).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const available = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length));
const [name, ...args] = process.argv.slice(2);

if (name === undefined || !available.includes(name)) {
  const what = name === undefined ? 'no benchmark given' : `unknown benchmark "${name}"`;
  process.stderr.write(
    `bench: ${what}; run \`npm run bench -- <name>\` with one of: ${available.join(', ')}\n`,
  );
  process.exit(2);
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const entry = path.join(root, 'dist', 'bench', `${name}.bench.js`);
const buildInfo = path.join(root, 'dist', '.tsbuildinfo');
const stale =
  !fs.existsSync(entry) ||
  !fs.existsSync(buildInfo) ||
  ['apps', 'libs', 'bench'].some(
    (d) => newestSource(path.join(root, d)) > fs.statSync(buildInfo).mtimeMs,
  );
if (stale) {
  process.stderr.write('bench: building (npm run build)…\n');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const run = spawnSync(process.execPath, [entry, ...args], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
