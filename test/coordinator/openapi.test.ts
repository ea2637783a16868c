import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { AUTH, startHarness, type Harness } from './coordinator.harness';

/** The committed document; `npm run openapi` regenerates it (UPDATE_OPENAPI=1 runs this test in write mode). */
const COMMITTED = join(__dirname, '../../apps/coordinator/openapi.json');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

interface Operation {
  security?: unknown[];
  responses: Record<string, unknown>;
}

describe('OpenAPI', () => {
  it('serves the document the repository commits', async () => {
    const served = (await request(h.url()).get('/docs-json').set(AUTH).expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    if (process.env.UPDATE_OPENAPI === '1') {
      writeFileSync(COMMITTED, `${JSON.stringify(served, null, 2)}\n`);
    }
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as unknown;
    expect(served, 'apps/coordinator/openapi.json is stale: run `npm run openapi`').toEqual(
      committed,
    );
    expect(Object.keys(served.paths).sort()).toEqual([
      '/health/live',
      '/health/ready',
      '/metrics',
      '/v1/autoscale',
      '/v1/jobs',
      '/v1/jobs/{id}',
      '/v1/jobs/{id}/artifacts',
      '/v1/jobs/{id}/artifacts/{name}',
      '/v1/jobs/{id}/cancel',
      '/v1/jobs/{id}/events',
      '/v1/jobs/{id}/logs',
      '/v1/jobs/{id}/metrics',
      '/v1/jobs/{id}/resume',
      '/v1/workers',
    ]);
    for (const [path, ops] of Object.entries(served.paths)) {
      for (const op of Object.values(ops)) {
        expect(op.security !== undefined, `${path} declares bearer auth`).toBe(
          !path.startsWith('/health'),
        );
      }
    }
  });

  it('serves the UI at /docs', async () => {
    const res = await request(h.url()).get('/docs').set(AUTH).redirects(1).expect(200);
    expect(res.text).toMatch(/swagger/i);
  });
});
