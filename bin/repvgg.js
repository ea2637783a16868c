#!/usr/bin/env node
'use strict';
// The package's `prepare` script compiles TypeScript into dist/ during `npm ci`. In a fresh clone (no
// node_modules or no build yet) the first run installs what is missing (scripts/setup.sh), then goes on.
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry) || !fs.existsSync(path.join(root, 'node_modules'))) {
  const { spawnSync } = require('node:child_process');
  const setup = spawnSync('bash', [path.join(root, 'scripts', 'setup.sh')], {
    cwd: root,
    stdio: ['inherit', process.stderr, process.stderr],
  });
  if (setup.status !== 0 || !fs.existsSync(entry)) {
    process.stderr.write(
      'repvgg: setup did not finish; run `bash scripts/setup.sh` in ' +
        root +
        ' and read its output\n',
    );
    process.exit(setup.status || 2);
  }
}
require(entry);
