'use strict';
// The smoke's secrets (scripts/image.smoke.js), as a cluster's pods get them: a CA made for this run
// (with the same code as `repvgg cluster up`, from dist/, so `npm run build` first) and its
// certificates for mutual TLS, and a worker token, all readable by uid 1000 only, as Secrets mounted
// with fsGroup 1000 are.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');

const UID = 1000;

function chownTree(dir) {
  fs.chownSync(dir, UID, UID);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p);
    else fs.chownSync(p, UID, UID);
  }
}

/**
 * `dir/tls/coordinator` (valid for 127.0.0.1, where the workers dial the rendezvous),
 * `dir/tls/worker` (valid for repvgg-worker, which peers check) and `dir/worker-token`.
 */
function smokeSecrets(root, dir) {
  const compiled = path.join(root, 'dist', 'apps', 'cli', 'src', 'cluster', 'cluster-tls.js');
  if (!fs.existsSync(compiled)) {
    throw new Error(`${path.relative(root, compiled)} is missing: run npm run build first`);
  }
  const { ensureClusterTls } = require(compiled);
  const made = ensureClusterTls(dir);
  const workerToken = path.join(dir, 'worker-token');
  fs.writeFileSync(workerToken, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  chownTree(dir);
  return { coordinatorTls: made.coordinator, workerTls: made.worker, workerToken };
}

/**
 * Whether 127.0.0.1:`port` speaks TLS with a certificate for 127.0.0.1 that `tlsDir`'s CA signed,
 * presenting `tlsDir`'s certificate (a plaintext server fails the handshake).
 */
function tlsAnswers(port, tlsDir) {
  const read = (f) => fs.readFileSync(path.join(tlsDir, f));
  return new Promise((resolve) => {
    const sock = tls.connect({
      host: '127.0.0.1',
      port,
      ca: read('ca.crt'),
      cert: read('tls.crt'),
      key: read('tls.key'),
      ALPNProtocols: ['h2'],
    });
    sock.setTimeout(5000);
    sock.once('secureConnect', () => {
      sock.destroy();
      resolve(sock.authorized);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

module.exports = { smokeSecrets, tlsAnswers };
