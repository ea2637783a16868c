import { once } from 'node:events';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiStandIn, kubeStatus, type SeenRequest } from '../support/kube-api-stand-in';
import { forkTs } from '../support/fork-ts';
import { lines, repvgg } from './in-process-cli';

const NS = 'repvgg-dev';
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
const NAMES = ['repvgg-api-token', 'repvgg-worker-token', 'repvgg-tls'];

interface SecretBody {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  type: string;
  stringData: Record<string, string>;
}

/**
 * The secrets of one namespace as the Kubernetes API server keeps them, behind the HTTP stand-in for
 * the API server (test/support/kube-api-stand-in.ts; this machine has no cluster): GET by name (200
 * or 404) and POST to the collection (201, or `onCreate`'s answer, e.g. a 409 for a client that
 * lost a race).
 */
class SecretsApi {
  readonly stored = new Map<string, SecretBody>();
  onCreate: [number, unknown] | undefined;

  readonly handle = (seen: SeenRequest): [number, unknown] => {
    if (seen.method === 'GET' && seen.path.startsWith(`${SECRETS}/`)) {
      const secret = this.stored.get(seen.path.slice(SECRETS.length + 1));
      return secret === undefined ? [404, kubeStatus(404, 'NotFound')] : [200, secret];
    }
    if (seen.method === 'POST' && seen.path === SECRETS) {
      if (this.onCreate !== undefined) return this.onCreate;
      const body = seen.body as SecretBody;
      this.stored.set(body.metadata.name, body);
      return [201, body];
    }
    return [405, kubeStatus(405, 'MethodNotAllowed')];
  };
}

const running: KubeApiStandIn[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

async function standIn(secrets = new SecretsApi()): Promise<[KubeApiStandIn, SecretsApi, string]> {
  const api = new KubeApiStandIn(secrets.handle);
  running.push(api);
  await api.listen();
  return [api, secrets, api.kubeconfig(NS)];
}

const requests = (api: KubeApiStandIn): string[][] =>
  api.seen.map((s) => [s.method, s.path, s.authorization ?? '']);
const AUTH = 'Bearer stand-in-token';
const get = (name: string): string[] => ['GET', `${SECRETS}/${name}`, AUTH];
const post = ['POST', SECRETS, AUTH];

/** Runs the command against a stand-in holding nothing; the three Secrets it created, by name. */
async function bootstrapEmpty(): Promise<Map<string, SecretBody>> {
  const [api, secrets, kubeconfig] = await standIn();
  const run = await repvgg(['bootstrap-secrets', '--kubeconfig', kubeconfig]);
  expect(run.code, run.stderr).toBe(0);
  expect(requests(api)).toEqual(NAMES.flatMap((n) => [get(n), post]));
  expect(lines(run.stdout)).toEqual(NAMES.map((n) => `secret ${NS}/${n} created`));
  return secrets.stored;
}

describe('repvgg bootstrap-secrets (against an HTTP stand-in for the Kubernetes API server)', () => {
  it('nothing there: creates the two tokens and the TLS Secret, each well-formed', async () => {
    const stored = await bootstrapEmpty();
    expect([...stored.keys()]).toEqual(NAMES);
    for (const s of stored.values()) {
      expect([s.apiVersion, s.kind]).toEqual(['v1', 'Secret']);
    }

    const api = stored.get('repvgg-api-token')!;
    const worker = stored.get('repvgg-worker-token')!;
    expect([api.type, Object.keys(api.stringData)]).toEqual(['Opaque', ['tokens']]);
    expect([worker.type, Object.keys(worker.stringData)]).toEqual(['Opaque', ['token']]);
    // 32 random bytes each, far above the coordinator's 16-character minimum, and not the same
    expect(api.stringData.tokens).toMatch(/^[0-9a-f]{64}$/);
    expect(worker.stringData.token).toMatch(/^[0-9a-f]{64}$/);
    expect(api.stringData.tokens).not.toBe(worker.stringData.token);

    const tls = stored.get('repvgg-tls')!;
    expect([tls.type, Object.keys(tls.stringData).sort()]).toEqual([
      'kubernetes.io/tls',
      ['ca.crt', 'tls.crt', 'tls.key'],
    ]);
    const ca = new X509Certificate(tls.stringData['ca.crt']);
    const cert = new X509Certificate(tls.stringData['tls.crt']);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    // the host workers dial the rendezvous at, and the name workers check each other for
    expect(cert.subjectAltName).toBe('DNS:repvgg-coordinator, DNS:repvgg-worker');
    expect(cert.checkHost('repvgg-coordinator')).toBe('repvgg-coordinator');
    expect(cert.checkHost('repvgg-worker')).toBe('repvgg-worker');
    // mutual TLS: every pod presents it as server and as client
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.checkPrivateKey(createPrivateKey(tls.stringData['tls.key']))).toBe(true);
    expect(() =>
      createSecureContext({
        ca: tls.stringData['ca.crt'],
        cert: tls.stringData['tls.crt'],
        key: tls.stringData['tls.key'],
      }),
    ).not.toThrow();
  });

  it('makes new tokens and a new CA on every cluster', async () => {
    const [a, b] = [await bootstrapEmpty(), await bootstrapEmpty()];
    for (const [name, key] of [
      ['repvgg-api-token', 'tokens'],
      ['repvgg-worker-token', 'token'],
      ['repvgg-tls', 'ca.crt'],
      ['repvgg-tls', 'tls.key'],
    ] as const) {
      expect(a.get(name)!.stringData[key], `${name} ${key}`).not.toBe(b.get(name)!.stringData[key]);
    }
  });

  it('all there: only reads them, changes nothing', async () => {
    const secrets = new SecretsApi();
    for (const name of NAMES) {
      secrets.stored.set(name, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name },
        type: 'Opaque',
        stringData: { token: 'the user made this one' },
      });
    }
    const [api, , kubeconfig] = await standIn(secrets);
    const run = await repvgg(['bootstrap-secrets', '--kubeconfig', kubeconfig, '--namespace', NS]);
    expect(run.code, run.stderr).toBe(0);
    expect(requests(api)).toEqual(NAMES.map(get));
    expect(lines(run.stdout)).toEqual(NAMES.map((n) => `secret ${NS}/${n} exists: left as it is`));
  });

  it('a 409 on create (another client created it after our GET) is success', async () => {
    const secrets = new SecretsApi();
    secrets.onCreate = [409, kubeStatus(409, 'AlreadyExists')];
    const [api, , kubeconfig] = await standIn(secrets);
    const run = await repvgg(['bootstrap-secrets', '--kubeconfig', kubeconfig]);
    expect(run.code, run.stderr).toBe(0);
    expect(requests(api)).toEqual(NAMES.flatMap((n) => [get(n), post]));
    expect(lines(run.stdout)).toEqual(
      NAMES.map(
        (n) => `secret ${NS}/${n} was created meanwhile by another client (409): left as it is`,
      ),
    );
  });

  it('a Role that does not allow it is one line and exit 1', async () => {
    const secrets = new SecretsApi();
    secrets.onCreate = [
      403,
      {
        ...(kubeStatus(403, 'Forbidden') as object),
        message: 'secrets is forbidden: User "system:serviceaccount:repvgg-dev:x" cannot create',
      },
    ];
    const [, , kubeconfig] = await standIn(secrets);
    const run = await repvgg(['bootstrap-secrets', '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      `repvgg: cannot create secret repvgg-api-token in namespace ${NS}: HTTP 403 secrets is forbidden: User "system:serviceaccount:repvgg-dev:x" cannot create; bind the Role of k8s/components/bootstrap-secrets to this pod's service account (or use a kubeconfig that may get and create these Secrets)`,
    ]);
  });

  it('outside a pod without a kubeconfig: a usage error', async () => {
    const run = await repvgg(['bootstrap-secrets'], {
      KUBECONFIG: undefined,
      KUBERNETES_SERVICE_HOST: undefined,
    });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      'repvgg: no Kubernetes API to talk to (not in a pod, no KUBECONFIG); pass --kubeconfig FILE or set KUBECONFIG',
    ]);
  });

  it('costs the other commands nothing: the CLI starts without loading @kubernetes/client-node', async () => {
    const child = forkTs(join(__dirname, 'cli-modules.fixture.ts'), [], 'pipe');
    const [packages] = (await once(child, 'message')) as [string[]];
    await once(child, 'exit');
    expect(packages).toContain('commander');
    expect(packages).not.toContain('@kubernetes/client-node');
  });
});
