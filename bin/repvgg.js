#!/usr/bin/env node
'use strict';
// The package's `prepare` script compiles TypeScript into dist/ during `npm ci`.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(
    'repvgg: not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n',
  );
  process.exit(2);
}
require(entry);
