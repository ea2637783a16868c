import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, TOKEN, until } from '../coordinator/coordinator.harness';
import { createIdxJob, listWorkers, TINY_JOB, workerTestbed } from '../worker/worker-processes';
import { launchChromium } from './browser.support';

// 192 images at batch 8 for 2 epochs: 48 steps, time to watch the curves grow and lose a worker.
const SPEC = { ...TINY_JOB, epochs: 2, workers: { min: 1, max: 2 }, shardSteps: 4 };
const DOCS = join(__dirname, '..', '..', 'docs');
/** `UPDATE_SCREENSHOTS=1` rewrites docs/dashboard-*.png from this run. */
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

const bed = workerTestbed('dashboard', 192);
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

/** A fresh page with the API token entered, as a user would. */
async function signedIn(width = 1200, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(bed.h.url());
  await page.getByLabel('API token').fill(TOKEN);
  await page.getByRole('button', { name: 'Open dashboard' }).click();
  return page;
}

const points = async (page: Page, chart: string): Promise<number> =>
  Number(await page.locator(`#${chart}`).getAttribute('data-points'));

describe('dashboard', () => {
  it('without a token shows only the token field and calls nothing', async () => {
    const page = await browser.newPage();
    const calls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) calls.push(r.url());
    });
    await page.goto(bed.h.url());
    await expect(page.getByLabel('API token').isVisible()).resolves.toBe(true);
    await page.waitForLoadState('networkidle');
    expect(calls).toEqual([]);
    expect(await page.locator('table, nav').count()).toBe(0);
    // a wrong token gets the coordinator's refusal, not data
    await page.getByLabel('API token').fill('wrong-token');
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await page.locator('.error').first().waitFor();
    expect(await page.locator('.error').first().textContent()).toMatch(/token/i);
    await page.close();
  });

  it('the form refuses an invalid spec and names the field beside it', async () => {
    const page = await signedIn();
    await page.getByRole('button', { name: 'New job' }).click();
    await page.getByLabel('Dataset path').fill(bed.dataDir);
    await page.getByLabel('Global batch').fill('10');
    await page.getByRole('button', { name: 'Submit' }).click();
    const error = page.locator('.field-error[data-field="globalBatch"]');
    await error.waitFor();
    expect(await error.textContent()).toContain('divisible by virtualReplicas (8)');
    const page1 = await request(bed.h.url()).get('/v1/jobs').set(AUTH).expect(200);
    expect((page1.body as { jobs: unknown[] }).jobs).toEqual([]);
    await page.close();
  });

  it('a failed job shows its reason in the list and on its page', async () => {
    const id = await createIdxJob(bed.h, SPEC, join(bed.h.dataRoot, 'missing'));
    await until(async () => (await bed.view(id)).state === 'failed', 'the job failing');
    const { reason } = await bed.view(id);
    expect(reason).not.toBe('');
    const page = await signedIn();
    const row = page.locator(`tr[data-job="${id}"]`);
    await row.locator('.reason').waitFor();
    expect(await row.locator('.reason').textContent()).toBe(reason);
    await row.getByRole('link').click();
    await page.locator(`.job[data-job="${id}"] .job-reason`).waitFor();
    expect(await page.locator('.job-reason').textContent()).toBe(reason);
    page.on('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/#\/$/);
    await request(bed.h.url()).get(`/v1/jobs/${id}`).set(AUTH).expect(404);
    await page.close();
  });

  it('a training job: curves grow, a killed worker is a generation event, the download matches the report', async () => {
    const first = bed.spawn();
    await until(async () => (await listWorkers(bed.h)).length === 1, 'the first worker');
    const id = await createIdxJob(bed.h, SPEC, bed.dataDir);
    const page = await signedIn(1000, 1300);
    await page.goto(`${bed.h.url()}/#/jobs/${id}`);
    await until(
      async () => (await points(page, 'chart-loss')) >= 2,
      'the first steps drawn',
      60_000,
    );
    const second: ChildProcess = bed.spawn();
    await until(
      async () => (await page.locator('.generation').count()) >= 2,
      'the second worker joining',
      60_000,
    );
    const before = await points(page, 'chart-loss');
    await until(
      async () => (await points(page, 'chart-loss')) > before,
      'the loss curve growing',
      60_000,
    );
    expect(await points(page, 'chart-lr')).toBeGreaterThan(before);
    // the leader's split of real steps: every phase listed, compute measured
    expect(await page.locator('#step-split .split-legend li').count()).toBe(5);
    expect(await page.locator('#step-split li[data-phase="compute"]').textContent()).toMatch(
      /compute \d+\.\d{3} s/,
    );
    expect(await page.locator('.generation[data-kind="join"]').count()).toBeGreaterThan(0);

    second.kill('SIGKILL');
    await page
      .locator('.generation[data-kind="leave"], .generation[data-kind="failure"]')
      .first()
      .waitFor({ timeout: 60_000 });
    const lost = page
      .locator('.generation[data-kind="leave"], .generation[data-kind="failure"]')
      .first();
    expect(await lost.locator('.reason').textContent()).not.toBe('');

    await until(async () => (await bed.view(id)).state === 'succeeded', 'success', 240_000);
    await page.locator('#equivalence .pass').waitFor({ timeout: 30_000 });
    expect(await points(page, 'chart-accuracy')).toBe(2);
    const report = (await (
      await fetch(`${bed.h.url()}/v1/jobs/${id}/artifacts/bundle/report.json`, { headers: AUTH })
    ).json()) as { files: Record<string, { sha256: string }> };
    const row = page.locator('tr[data-artifact="bundle/model.safetensors"]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Download' }).click(),
    ]);
    const file = readFileSync(await download.path());
    expect(createHash('sha256').update(file).digest('hex')).toBe(
      report.files['model.safetensors'].sha256,
    );
    expect(await row.locator('.sha').textContent()).toBe(report.files['model.safetensors'].sha256);

    if (UPDATE) {
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(DOCS, 'dashboard-job.png') });
    }
    // a phone's width: nothing sticks out sideways
    await page.setViewportSize({ width: 390, height: 800 });
    await until(
      () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
      'the page fitting a phone',
    );
    await page.setViewportSize({ width: 1000, height: 400 });
    await page.goto(`${bed.h.url()}/#/`);
    await page.locator(`tr[data-job="${id}"][data-state="succeeded"]`).waitFor();
    if (UPDATE) await page.screenshot({ path: join(DOCS, 'dashboard-jobs.png') });
    first.kill('SIGTERM');
    await page.close();
    // a deadline for a loaded machine (worker processes, finalizer, browser on two shared cores)
  }, 360_000);
});
