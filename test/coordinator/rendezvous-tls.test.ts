import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RendezvousClient } from '@repvgg/contracts';
import { channelCredentials } from '@repvgg/contracts/tls/grpc-credentials';
import { tlsPathsIn } from '@repvgg/contracts/tls/tls-dir';
import { readTls } from '@repvgg/contracts/tls/tls-files';
import { loadCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config';
import { loadRendezvousProto } from '../../apps/coordinator/src/rendezvous/rendezvous.grpc-server';
import { ensureClusterTls, type ClusterTls } from '../../apps/cli/src/cluster/cluster-tls';
import { forkTs } from '../support/fork-ts';
import { onlyTlsAnswered, plaintextHttp2Answer } from '../support/plaintext-probe';
import { RendezvousClient as RendezvousWorkerClient } from '../../apps/worker/src/rendezvous.client';
import { CoordinatorTlsError } from '../../apps/worker/src/worker.error';
import { startHarness, type Harness } from './coordinator.harness';

// Certificates from the openssl CLI (the generator `repvgg cluster up` uses): the cluster's, and a
// stranger's from another CA that also names 127.0.0.1.
const dir = mkdtempSync(join(tmpdir(), 'rendezvous-tls-'));
let cluster: ClusterTls;
let stranger: ClusterTls;
let h: Harness;

beforeAll(async () => {
  cluster = ensureClusterTls(join(dir, 'cluster'));
  stranger = ensureClusterTls(join(dir, 'stranger'));
  h = await startHarness({ REPVGG_TLS_DIR: cluster.coordinator });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const REGISTER = { address: '127.0.0.1:1', backend: 'cpu', capabilities: [] };
/** A Register call to the coordinator at `port` (default: the cluster's); null: it was admitted. */
const register = (
  credentials: grpc.ChannelCredentials,
  port = h.coordinator.grpcPort,
): Promise<grpc.ServiceError | null> => {
  const c: RendezvousClient = new (loadRendezvousProto().repvgg.rendezvous.v1.Rendezvous)(
    `127.0.0.1:${port}`,
    credentials,
  );
  return new Promise((resolve) => {
    c.register(REGISTER, { deadline: Date.now() + 5_000 }, (err) => {
      c.close();
      resolve(err);
    });
  });
};
/** The client side of `tlsDir`'s certificate, trusting `caDir`'s CA. */
const credentialsOf = (tlsDir: string, caDir = tlsDir): grpc.ChannelCredentials => {
  const own = readTls(tlsPathsIn(tlsDir));
  return channelCredentials({ ...own, ca: readTls(tlsPathsIn(caDir)).ca });
};

describe('mutual TLS on the rendezvous', () => {
  it('a worker certificate from the cluster CA registers', async () => {
    expect(await register(credentialsOf(cluster.worker))).toBeNull();
  });

  it('a plaintext client gets nothing: no gRPC answer, no HTTP/2 bytes', async () => {
    const err = await register(grpc.credentials.createInsecure());
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    // Below gRPC: a plaintext server would answer the HTTP/2 preface with its SETTINGS frame.
    const answer = await plaintextHttp2Answer('127.0.0.1', h.coordinator.grpcPort);
    expect(onlyTlsAnswered(answer), answer.toString('hex')).toBe(true);
  });

  it('a client certificate from another CA is refused', async () => {
    // It trusts the cluster's CA, so only the coordinator's check of its certificate stops it.
    const err = await register(credentialsOf(stranger.worker, cluster.worker));
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('a TLS client without a certificate is refused', async () => {
    const err = await register(grpc.credentials.createSsl(readTls(tlsPathsIn(cluster.worker)).ca));
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('a worker does not take a coordinator whose certificate another CA signed', async () => {
    // The stranger's coordinator certificate names 127.0.0.1 too: only the CA tells them apart.
    const other = await startHarness({ REPVGG_TLS_DIR: stranger.coordinator });
    try {
      const err = await register(credentialsOf(cluster.worker), other.coordinator.grpcPort);
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      await other.close();
    }
  });

  it("a worker's TLS failures are one line, not retried: a plaintext coordinator, another CA's", async () => {
    const plain = await startHarness({});
    const workerTls = tlsPathsIn(cluster.worker);
    const other = await startHarness({ REPVGG_TLS_DIR: stranger.coordinator });
    try {
      const refusal = async (port: number): Promise<unknown> => {
        const client = new RendezvousWorkerClient(`127.0.0.1:${port}`, undefined, workerTls);
        try {
          return await client.register(REGISTER).then(
            () => undefined,
            (err: unknown) => err,
          );
        } finally {
          client.close();
        }
      };
      const toPlain = await refusal(plain.coordinator.grpcPort);
      expect(toPlain).toBeInstanceOf(CoordinatorTlsError);
      expect((toPlain as CoordinatorTlsError).problem).toMatch(
        /^the coordinator at 127\.0\.0\.1:\d+ does not speak TLS \(.*wrong version number/,
      );
      const toStranger = await refusal(other.coordinator.grpcPort);
      expect(toStranger).toBeInstanceOf(CoordinatorTlsError);
      expect((toStranger as CoordinatorTlsError).problem).toMatch(
        /^the coordinator's certificate at 127\.0\.0\.1:\d+ is not trusted \(.*certificate/,
      );
    } finally {
      await Promise.all([plain.close(), other.close()]);
    }
  });

  it('a worker dialling the coordinator at 127.0.0.1 sends no IP address as TLS server name (DEP0123), and still checks the IP', async () => {
    const dial = async (port: number): Promise<{ warnings: string[]; error: string }> => {
      const child = forkTs(
        join(__dirname, 'rendezvous-dial.fixture.ts'),
        [`127.0.0.1:${port}`, cluster.worker],
        'pipe',
      );
      const [reply] = (await once(child, 'message')) as [{ warnings: string[]; error: string }];
      await once(child, 'exit');
      return reply;
    };
    const admitted = await dial(h.coordinator.grpcPort);
    expect(admitted).toEqual({ warnings: [], error: '' });
    // Same CA, but a certificate without IP:127.0.0.1 (the workers' one names repvgg-worker only):
    // the address dialled is what the certificate is checked for, not the server name sent.
    const unnamed = await startHarness({ REPVGG_TLS_DIR: cluster.worker });
    try {
      const refused = await dial(unnamed.coordinator.grpcPort);
      expect(refused.warnings).toEqual([]);
      expect(refused.error).toMatch(/is not trusted .*IP: 127\.0\.0\.1 is not in the cert's list/);
    } finally {
      await unnamed.close();
    }
  });

  it('REPVGG_TLS_DIR without a key is one configuration line', () => {
    const env = {
      REPVGG_API_TOKENS: 'test-token-0123456789abcdef',
      REPVGG_DATA_ROOTS: '/tmp',
      REPVGG_ARTIFACTS: '/tmp/a',
      REPVGG_TLS_DIR: join(dir, 'nowhere'),
    };
    expect(() => loadCoordinatorConfig(env)).toThrow(
      `invalid configuration: REPVGG_TLS_DIR: cannot read the TLS file ${join(dir, 'nowhere', 'ca.crt')} (ENOENT): the directory needs ca.crt, tls.crt, tls.key`,
    );
  });
});
