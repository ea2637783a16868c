#!/usr/bin/env node
// Bundles the dashboard (apps/dashboard) into dist/dashboard, which the coordinator serves at `/`.
// Everything the page needs is in the bundle: it loads nothing from the internet.
'use strict';
const { build } = require('esbuild');
const { copyFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const src = join(root, 'apps', 'dashboard', 'src');
const out = join(root, 'dist', 'dashboard');

async function main() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: {
      dashboard: join(src, 'main.tsx'),
      'dashboard-style': join(src, 'dashboard.css'),
    },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    tsconfig: join(root, 'apps', 'dashboard', 'tsconfig.json'),
    outdir: out,
    entryNames: '[name]',
    logLevel: 'warning',
  });
  copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
