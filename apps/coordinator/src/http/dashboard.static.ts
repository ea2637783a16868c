import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Where `npm run build` writes the dashboard's bundle, relative to the package root. */
export const DASHBOARD_BUILD_DIR = join('dist', 'dashboard');

/**
 * The built dashboard: the nearest `dist/dashboard/index.html` above this file, which finds it from
 * the TypeScript sources (tests) and from the compiled `dist/apps/…` alike.
 */
export function findDashboardDir(from: string = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, DASHBOARD_BUILD_DIR);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Serves the dashboard's static files at `/` without a token: the page holds no data, and every call
 * it makes to /v1 carries the token the user types in. Without a build, `/` says how to make one.
 */
export function serveDashboard(app: NestExpressApplication, dir = findDashboardDir()): void {
  if (dir === null) {
    app.use(
      '/',
      (req: { method?: string; path: string }, res: NotBuiltResponse, next: () => void) => {
        if (req.method !== 'GET' || (req.path !== '/' && req.path !== '/index.html')) {
          next();
          return;
        }
        res
          .status(503)
          .type('text/plain')
          .send('the dashboard is not built: run `npm run build` in the repository\n');
      },
    );
    return;
  }
  app.useStaticAssets(dir, { index: 'index.html', maxAge: 0, fallthrough: true });
}

interface NotBuiltResponse {
  status(code: number): NotBuiltResponse;
  type(t: string): NotBuiltResponse;
  send(body: string): void;
}
