'use strict';
// `npm run image -- --smoke`: runs the built image with `buildah run --isolation chroot` (podman run
// needs cgroups this machine does not give it), which shares the host's network:
//   1. `repvgg info --arch A0` in the image, and `repvgg bootstrap-secrets` (the Kubernetes Job's
//      command) against a stand-in for the Kubernetes API server (scripts/image.bootstrap.js);
//   2. a coordinator from the image, on a private redis-server, answers /health/live, its rendezvous
//      speaking mutual TLS (a CA made for this run) and requiring a worker token;
//   3. a worker from the image without the worker token is refused (exit 2);
//   4. a worker from the image and a worker on the host, each with the token and a certificate of
//      that CA, train a tiny job together over TLS (rendezvous and both collective planes).
// Everything in the image runs as uid 1000 with /tmp a tmpfs, as the manifests run it; afterwards no
// file in the image's root filesystem may have changed (the manifests mount it read-only).
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { log, stage, run, cleanup, lastLine } = require('./image.util');
const { freePort, Fatal, until, startProcess, redisPing } = require('./image.process');
const { smokeSecrets, tlsAnswers } = require('./image.secrets');
const { bootstrapInImage } = require('./image.bootstrap');

const UID = '1000:1000';
const TOKEN = crypto.randomBytes(16).toString('hex');
function writeIdx(dir, prefix, n) {
  const idx = (dims, data) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt8(0x08, 2);
    head.writeUInt8(dims.length, 3);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, Buffer.from(data)]);
  };
  const pixels = new Uint8Array(n * 64).map((_, i) => (i * 37) % 256);
  const labels = new Uint8Array(n).map((_, i) => i % 3);
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 8, 8], pixels));
  fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], labels));
}

async function api(base, method, route, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** A working container of `image`, removed at cleanup; `run` starts `repvgg ...` in it. */
async function container(image, name, mounts) {
  await run('buildah', ['from', '--name', name, image], { what: `buildah from ${image}` });
  cleanup.add(() => spawnSync('buildah', ['rm', name], { stdio: 'ignore' }));
  const runArgs = (env, args) => [
    'run',
    '--isolation',
    'chroot',
    '--user',
    UID,
    '--mount',
    'type=tmpfs,destination=/tmp',
    ...mounts.flatMap((m) => ['--volume', m]),
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    name,
    '--',
    'node',
    '/app/bin/repvgg.js',
    ...args,
  ];
  return { name, runArgs };
}

/** Regular files that changed in a container's root filesystem since `marker` (its mounts aside). */
function rootWrites(name, marker) {
  const mnt = spawnSync('buildah', ['mount', name], { encoding: 'utf8' });
  if (mnt.status !== 0) throw new Error(`buildah mount ${name}: ${lastLine(mnt.stderr)}`);
  const root = mnt.stdout.trim();
  try {
    const found = spawnSync('find', [root, '-xdev', '-not', '-type', 'd', '-newer', marker], {
      encoding: 'utf8',
    });
    // buildah itself writes these for every `run`.
    const buildahs = new Set([
      '/etc/hosts',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/run/.containerenv',
    ]);
    return found.stdout
      .split('\n')
      .filter((f) => f !== '')
      .map((f) => f.slice(root.length))
      .filter((f) => !buildahs.has(f));
  } finally {
    spawnSync('buildah', ['umount', name], { stdio: 'ignore' });
  }
}

async function smoke({ root, image }) {
  const id = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  // Under /var/tmp: the same absolute paths on the host and in the containers (job specs carry
  // paths), outside the /tmp the containers get as a tmpfs.
  const work = fs.mkdtempSync(path.join('/var/tmp', 'repvgg-smoke-'));
  cleanup.add(() => fs.rmSync(work, { recursive: true, force: true }));
  const data = path.join(work, 'data');
  const artifacts = path.join(work, 'artifacts');
  const logs = path.join(work, 'logs');
  const hostHome = path.join(work, 'host-home');
  for (const d of [data, artifacts, logs, hostHome, path.join(data, 'tiny')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  writeIdx(path.join(data, 'tiny'), 'train', 64);
  writeIdx(path.join(data, 'tiny'), 't10k', 16);
  // Every process of the smoke runs as uid 1000, as the manifests run the pods.
  for (const d of [work, artifacts, hostHome]) fs.chownSync(d, 1000, 1000);
  const secrets = smokeSecrets(root, path.join(work, 'secrets'));
  const kube = path.join(work, 'kube');
  fs.mkdirSync(kube);
  fs.chownSync(kube, 1000, 1000);
  const marker = path.join(work, 'marker');
  fs.writeFileSync(marker, '');
  const failWithLogs = (err) => {
    const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'repvgg-smoke-logs-'));
    for (const f of fs.readdirSync(logs)) fs.copyFileSync(path.join(logs, f), path.join(kept, f));
    throw new Error(`${err instanceof Error ? err.message : String(err)} (process logs: ${kept})`);
  };

  const mounts = [
    `${data}:${data}:ro`,
    `${artifacts}:${artifacts}`,
    `${path.join(work, 'secrets')}:${path.join(work, 'secrets')}:ro`,
    `${kube}:${kube}:ro`,
  ];
  const coord = await container(image, `repvgg-smoke-coordinator-${id}`, mounts);
  const worker = await container(image, `repvgg-smoke-worker-${id}`, mounts);

  await stage('smoke 1/4: repvgg info --arch A0 in the image', async () => {
    const out = await run('buildah', coord.runArgs({}, ['info', '--arch', 'A0']), {
      what: 'repvgg info --arch A0 in the image',
    });
    if (!/A0/.test(out)) throw new Error(`repvgg info --arch A0 printed no A0: ${lastLine(out)}`);
  });

  await stage(
    'smoke 1/4: repvgg bootstrap-secrets in the image (a stand-in Kubernetes API server)',
    () => bootstrapInImage(coord, kube),
  );

  const [redisPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${httpPort}`;
  let coordinator;
  try {
    await stage(
      'smoke 2/4: coordinator from the image answers /health/live, its rendezvous TLS',
      async () => {
        const redis = startProcess(
          'redis',
          'redis-server',
          [
            '--port',
            String(redisPort),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            work,
          ],
          logs,
        );
        await until(() => redisPing(redisPort), 'redis-server to answer PING', 15_000, [redis]);
        const env = {
          HOST: '127.0.0.1',
          PORT: String(httpPort),
          GRPC_PORT: String(grpcPort),
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          REPVGG_REDIS_PREFIX: `smoke${id.replace(/[^A-Za-z0-9]/g, '')}`,
          REPVGG_API_TOKENS: TOKEN,
          REPVGG_WORKER_TOKEN_FILE: secrets.workerToken,
          REPVGG_TLS_DIR: secrets.coordinatorTls,
          REPVGG_DATA_ROOTS: data,
          REPVGG_ARTIFACTS: artifacts,
        };
        coordinator = startProcess(
          'coordinator',
          'buildah',
          coord.runArgs(env, ['coordinator']),
          logs,
        );
        await until(
          async () => (await fetch(`${base}/health/live`)).status === 200,
          'the coordinator to answer /health/live',
          120_000,
          [coordinator],
        );
        await until(
          () => tlsAnswers(grpcPort, secrets.workerTls),
          'the rendezvous to answer a TLS handshake with a certificate of the smoke CA',
          30_000,
          [coordinator],
        );
      },
    );

    // Every worker: the rendezvous at 127.0.0.1 over TLS, the smoke CA's worker certificate.
    const workerArgs = [
      '--backend',
      'wasm',
      'worker',
      '--coordinator',
      `127.0.0.1:${grpcPort}`,
      '--tls-dir',
      secrets.workerTls,
    ];
    // The artifact store is mounted at the same path in the image as on the host.
    const workerEnv = { REPVGG_ARTIFACTS: artifacts };

    await stage(
      'smoke 3/4: a worker from the image without the worker token is refused',
      async () => {
        const refused = spawnSync('buildah', worker.runArgs(workerEnv, workerArgs), {
          encoding: 'utf8',
          timeout: 120_000,
        });
        const line = refused.stderr.split('\n').find((l) => l.startsWith('repvgg:')) ?? '';
        if (refused.status !== 2 || !/refused this worker/.test(line)) {
          throw new Error(
            `a worker without the token: exit ${refused.status ?? refused.signal}, ${line || lastLine(refused.stderr)}`,
          );
        }
      },
    );

    await stage(
      'smoke 4/4: a worker from the image and one on the host train a tiny job over TLS',
      async () => {
        const tokenArgs = [...workerArgs, '--token-file', secrets.workerToken];
        const inImage = startProcess(
          'worker-image',
          'buildah',
          worker.runArgs(workerEnv, tokenArgs),
          logs,
        );
        // As uid 1000 too: in a cluster every pod shares the artifact volume under that uid. A
        // checkout uid 1000 cannot read (e.g. under /root) runs it as root with umask 000 instead,
        // so the coordinator in the image can still write where this worker created folders.
        const cli = path.join(root, 'bin', 'repvgg.js');
        const asPod = ['--reuid=1000', '--regid=1000', '--clear-groups', '--'];
        const readable =
          spawnSync('setpriv', [...asPod, process.execPath, cli, '--help'], { stdio: 'ignore' })
            .status === 0;
        if (!readable)
          log('uid 1000 cannot read this checkout: the host worker runs as root, umask 000');
        const onHost = startProcess(
          'worker-host',
          readable ? 'setpriv' : 'sh',
          readable
            ? [...asPod, process.execPath, cli, ...tokenArgs]
            : ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, cli, ...tokenArgs],
          logs,
          {
            ...process.env,
            ...workerEnv,
            HOME: hostHome,
            REPVGG_CACHE_DIR: path.join(hostHome, 'cache'),
          },
        );
        const procs = [coordinator, inImage, onHost];
        await until(
          async () => (await api(base, 'GET', '/v1/workers')).length === 2,
          'both workers to register',
          120_000,
          procs,
        );
        const job = await api(base, 'POST', '/v1/jobs', {
          dataset: { source: 'idx', path: path.join(data, 'tiny') },
          architecture: { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] },
          imageSize: 8,
          epochs: 1,
          globalBatch: 8,
          virtualReplicas: 2,
          workers: { min: 2, max: 2 },
          shardSteps: 4,
        });
        let view;
        await until(
          async () => {
            view = await api(base, 'GET', `/v1/jobs/${job.id}`);
            if (view.state === 'failed' || view.state === 'cancelled') {
              throw new Fatal(
                `job ${job.id} ${view.state}: ${JSON.stringify(view.error ?? view.state)}`,
              );
            }
            return view.state === 'succeeded';
          },
          `job ${job.id} to succeed`,
          300_000,
          procs,
        );
        if (!view.workerHistory.some((g) => g.workers === 2)) {
          throw new Error(
            `job ${job.id} never trained on two workers: ${JSON.stringify(view.workerHistory)}`,
          );
        }
        const report = JSON.parse(
          fs.readFileSync(path.join(artifacts, 'jobs', job.id, 'bundle', 'report.json'), 'utf8'),
        );
        if (report.equivalence?.pass !== true)
          throw new Error(`job ${job.id}: fused model not equivalent`);
        // SIGTERM drains: both leave at a step boundary and exit 0.
        for (const w of [inImage, onHost]) {
          const code = await w.stop('SIGTERM', 30_000);
          if (code !== 0)
            throw new Error(`${w.name} did not drain cleanly (${w.exited}): ${w.last()}`);
        }
        // Both dialled the rendezvous by IP address over TLS: no TLS server name set to it.
        for (const w of [inImage, onHost]) {
          const text = fs.readFileSync(path.join(logs, `${w.name}.log`), 'utf8');
          if (text.includes('DEP0123')) throw new Error(`${w.name} logged DEP0123: ${w.last()}`);
        }
        log(
          `job ${job.id} succeeded over mutual TLS with worker tokens on the image's worker and the host's; fused bundle equivalent`,
        );
      },
    );
    await coordinator.stop('SIGTERM', 15_000);
  } catch (err) {
    failWithLogs(err);
  }

  await stage('smoke: nothing written to the image root filesystem', async () => {
    for (const c of [coord, worker]) {
      const writes = rootWrites(c.name, marker);
      if (writes.length > 0) {
        throw new Error(
          `${c.name} wrote outside its volumes and /tmp: ${writes.slice(0, 5).join(', ')}`,
        );
      }
    }
  });
}

module.exports = { smoke };
