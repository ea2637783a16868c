import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { findDashboardDir } from '../../apps/coordinator/src/http/dashboard.static';

/** Debian's Chromium (`apt-get install -y chromium`), the browser CI installs. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Fails with the command that fixes it when the browser or the dashboard build is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  }
  if (findDashboardDir(join(__dirname, '..', '..')) === null) {
    throw new Error('the dashboard is not built: run `npm run build` first');
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}
