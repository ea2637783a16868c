'use strict';
// Smoke stage (scripts/image.smoke.js): `repvgg bootstrap-secrets`, the command of the Job of
// k8s/components/bootstrap-secrets, run in the image as the Job runs it (uid 1000, read-only root,
// /tmp a tmpfs) against a STAND-IN for the Kubernetes API server on the host (no cluster here): it
// must create the three Secrets with a CA and certificate made by the image's openssl, and a second
// run must only read them.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { run } = require('./image.util');

const NS = 'repvgg-smoke';
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
const NAMES = ['repvgg-api-token', 'repvgg-worker-token', 'repvgg-tls'];

/** Secrets by name behind GET /…/secrets/NAME (200 or 404) and POST /…/secrets (201). */
async function secretsStandIn() {
  const stored = new Map();
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      const answer = (code, obj) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 };
      if (req.method === 'GET' && req.url.startsWith(`${SECRETS}/`)) {
        const secret = stored.get(req.url.slice(SECRETS.length + 1));
        return secret === undefined ? answer(404, notFound) : answer(200, secret);
      }
      if (req.method === 'POST' && req.url === SECRETS) {
        const secret = JSON.parse(body);
        stored.set(secret.metadata.name, secret);
        return answer(201, secret);
      }
      return answer(405, { ...notFound, code: 405 });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { port: server.address().port, stored, seen, close };
}

function writeKubeconfig(file, port) {
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: stand-in',
    `    cluster: { server: 'http://127.0.0.1:${port}', insecure-skip-tls-verify: true }`,
    'users:',
    '  - name: job',
    '    user: { token: smoke-stand-in-token }',
    'contexts:',
    '  - name: stand-in',
    `    context: { cluster: stand-in, user: job, namespace: ${NS} }`,
    'current-context: stand-in',
    '',
  ].join('\n');
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chownSync(file, 1000, 1000);
}

/** The TLS Secret must hold a certificate its own CA signed, for both names, with its key. */
function checkTlsSecret(secret) {
  const data = secret.stringData;
  const ca = new crypto.X509Certificate(data['ca.crt']);
  const cert = new crypto.X509Certificate(data['tls.crt']);
  const problems = [
    secret.type === 'kubernetes.io/tls' ? '' : `type ${secret.type}`,
    ca.ca ? '' : 'ca.crt is no CA',
    cert.verify(ca.publicKey) ? '' : 'tls.crt is not signed by ca.crt',
    cert.subjectAltName === 'DNS:repvgg-coordinator, DNS:repvgg-worker'
      ? ''
      : `tls.crt names ${cert.subjectAltName}`,
    cert.checkPrivateKey(crypto.createPrivateKey(data['tls.key'])) ? '' : 'tls.key does not match',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new Error(`the TLS Secret is malformed: ${problems.join(', ')}`);
}

/** Runs the command twice in `container` (a working container of the image, see image.smoke.js). */
async function bootstrapInImage(container, dir) {
  const api = await secretsStandIn();
  try {
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api.port);
    const bootstrap = () =>
      run('buildah', container.runArgs({}, ['bootstrap-secrets', '--kubeconfig', kubeconfig]), {
        what: 'repvgg bootstrap-secrets in the image',
      });
    await bootstrap();
    const expected = NAMES.flatMap((n) => [`GET ${SECRETS}/${n}`, `POST ${SECRETS}`]);
    if (JSON.stringify(api.seen) !== JSON.stringify(expected)) {
      throw new Error(
        `bootstrap-secrets sent ${api.seen.join(', ')}; expected ${expected.join(', ')}`,
      );
    }
    checkTlsSecret(api.stored.get('repvgg-tls'));
    await bootstrap();
    const again = api.seen.slice(expected.length);
    if (JSON.stringify(again) !== JSON.stringify(NAMES.map((n) => `GET ${SECRETS}/${n}`))) {
      throw new Error(`a second bootstrap-secrets sent ${again.join(', ')}; expected only GETs`);
    }
  } finally {
    await api.close();
  }
}

module.exports = { bootstrapInImage };
