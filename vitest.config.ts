import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

const lib = (p: string): string => resolve(__dirname, p);

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: [
      { find: /^@repvgg\/core$/, replacement: lib('./libs/repvgg/src/index.ts') },
      { find: /^@repvgg\/core\/(.*)$/, replacement: lib('./libs/repvgg/src/$1') },
      { find: /^@repvgg\/contracts$/, replacement: lib('./libs/contracts/src/index.ts') },
      { find: /^@repvgg\/contracts\/(.*)$/, replacement: lib('./libs/contracts/src/$1') },
      { find: /^@repvgg\/training$/, replacement: lib('./libs/training/src/index.ts') },
      { find: /^@repvgg\/training\/(.*)$/, replacement: lib('./libs/training/src/$1') },
      { find: /^@repvgg\/collective$/, replacement: lib('./libs/collective/src/index.ts') },
      { find: /^@repvgg\/collective\/(.*)$/, replacement: lib('./libs/collective/src/$1') },
      { find: /^@repvgg\/coordinator$/, replacement: lib('./apps/coordinator/src/index.ts') },
      { find: /^@repvgg\/worker$/, replacement: lib('./apps/worker/src/index.ts') },
    ],
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
