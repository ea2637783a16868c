// Static checks of Dockerfile and Dockerfile.gpu: hadolint is neither a Debian package nor an npm
// package that carries its binary (the `hadolint` npm wrapper downloads it), and Dockerfile.gpu
// cannot be built here (docs/images.md). `npm run image -- --smoke` builds and runs the CPU image on a
// local stand-in for its public base; this file checks what that run cannot: the public defaults.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyParts, envOf, of, parseDockerfile, stage, type Dockerfile } from './dockerfile.parse';

const ROOT = join(__dirname, '..', '..');
const cpu = parseDockerfile(join(ROOT, 'Dockerfile'));
const gpu = parseDockerfile(join(ROOT, 'Dockerfile.gpu'));
const FILES: [string, Dockerfile][] = [
  ['Dockerfile', cpu],
  ['Dockerfile.gpu', gpu],
];
const final = (df: Dockerfile) => df.stages.at(-1)!;
const runs = (df: Dockerfile, name: string) => of(stage(df, name), 'RUN').map((r) => r.args);
const DIGEST = /@sha256:[0-9a-f]{64}$/;

describe.each(FILES)('%s', (_file, df) => {
  it('takes every base image from a build ARG whose default names a tag, the node base also a digest', () => {
    for (const s of df.stages) {
      const ref = /^\$\{(\w+)\}$/.exec(s.from);
      if (ref === null) {
        // Only an earlier stage may be named directly.
        expect(
          df.stages.map((x) => x.name),
          s.from,
        ).toContain(s.from);
        continue;
      }
      const value = df.globalArgs.get(ref[1]);
      expect(value, `default of ARG ${ref[1]}`).toMatch(
        /^[\w.-]+(\/[\w.-]+)+:[\w.-]+(@sha256:[0-9a-f]{64})?$/,
      );
      expect(value).not.toMatch(/:latest\b/);
    }
    expect(df.globalArgs.get('NODE_IMAGE')).toMatch(/\/node:20-bookworm-slim@sha256:/);
    expect(df.globalArgs.get('NODE_IMAGE')).toMatch(DIGEST);
  });

  it('runs the final stage as uid 1000, not root, with the repvgg CLI as entrypoint in /app', () => {
    const last = final(df);
    const user = of(last, 'USER').at(-1)?.args;
    expect(user).toBe('1000:1000');
    // Nothing after USER may need root.
    const userAt = last.instructions.findIndex((i) => i.keyword === 'USER');
    expect(last.instructions.slice(userAt).map((i) => i.keyword)).not.toContain('RUN');
    expect(of(last, 'WORKDIR').at(-1)?.args).toBe('/app');
    expect(of(last, 'ENTRYPOINT').at(-1)?.args).toBe('["node", "/app/bin/repvgg.js"]');
    // k8s/base runs `node bin/repvgg.js …` in workingDir /app.
    const manifests = ['coordinator.yaml', 'worker.yaml'].map((f) =>
      readFileSync(join(ROOT, 'k8s', 'base', f), 'utf8'),
    );
    for (const m of manifests) {
      expect(m).toMatch(/workingDir: \/app/);
      expect(m).toMatch(/bin\/repvgg\.js/);
    }
  });

  it('installs production dependencies only, skipping onnxruntime-node’s CUDA download', () => {
    const last = final(df);
    const npmCi = of(last, 'RUN').filter((r) => /\bnpm (ci|install|i)\b/.test(r.args));
    expect(npmCi.length).toBe(1);
    expect(npmCi[0].args).toMatch(/\bnpm ci --omit=dev\b/);
    // `prepare` runs tsc, a devDependency.
    expect(npmCi[0].args).toMatch(/npm pkg delete scripts\.prepare/);
    for (const s of df.stages.filter((x) => of(x, 'RUN').some((r) => /\bnpm ci\b/.test(r.args)))) {
      expect(envOf(s).get('ONNXRUNTIME_NODE_INSTALL'), s.name).toBe('skip');
    }
  });

  it('copies no dependencies between stages and nothing from the context that is not needed', () => {
    const last = final(df);
    for (const ins of of(last, 'COPY')) {
      const { from, sources } = copyParts(ins);
      if (from === 'build') {
        for (const src of sources) expect(src).toBe('/src/dist');
      } else if (from === undefined) {
        for (const src of sources) {
          expect(['package.json', 'package-lock.json', 'bin', 'libs/contracts/proto']).toContain(
            src,
          );
          expect(existsSync(join(ROOT, src)), src).toBe(true);
        }
      } else {
        expect(from).toBe('node');
        for (const src of sources)
          expect(src).toMatch(/^\/usr\/local\/(bin\/node|lib\/node_modules\/npm)$/);
      }
    }
    expect(of(last, 'ADD')).toEqual([]);
  });

  it('builds from every folder tsconfig.build.json compiles and every script `npm run build` runs', () => {
    const include = (
      JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }
    ).include.map((g) => g.split('/')[0]);
    const build = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts['build'];
    const scripts = [...build.matchAll(/\bnode (\S+)/g)].map((m) => m[1].split('/')[0]);
    const copied = of(stage(df, 'build'), 'COPY').flatMap((c) => copyParts(c).sources);
    for (const dir of [...include, ...scripts]) expect(copied).toContain(dir);
    for (const src of copied) expect(existsSync(join(ROOT, src)), src).toBe(true);
    expect(runs(df, 'build').at(-1)).toBe('npm run build');
  });

  it('works on a read-only root filesystem: caches and HOME under /tmp, the app owned by root', () => {
    const env = envOf(final(df));
    expect(env.get('REPVGG_CACHE_DIR')).toMatch(/^\/tmp\//);
    expect(env.get('HOME')).toMatch(/^\/tmp\b/);
    expect(df.text).not.toMatch(/--chown|chown |chmod /);
    expect(of(final(df), 'VOLUME')).toEqual([]);
  });

  it('carries the openssl CLI, which `repvgg bootstrap-secrets` makes the TLS Secret with', () => {
    const installs = runs(df, 'runtime').filter((r) => /apt-get install\b/.test(r));
    expect(installs.some((r) => /--no-install-recommends[^&]*\bopenssl\b/.test(r))).toBe(true);
    expect(installs.every((r) => /rm -rf \/var\/lib\/apt\/lists\/\*/.test(r))).toBe(true);
  });
});

describe('Dockerfile (CPU)', () => {
  it('leaves out tfjs-node-gpu, whose CUDA libraries only the GPU image carries', () => {
    expect(runs(cpu, 'runtime').join('\n')).toMatch(
      /rm -rf node_modules\/@tensorflow\/tfjs-node-gpu\b/,
    );
  });
});

describe('Dockerfile.gpu', () => {
  const text = gpu.text;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string } | undefined>;
  };

  it('pins the CUDA 11.2 runtime and cuDNN 8.1 that tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs', () => {
    expect(lock.packages['node_modules/@tensorflow/tfjs-node-gpu']?.version).toMatch(/^4\.22\./);
    const args = stage(gpu, 'runtime').instructions.filter((i) => i.keyword === 'ARG');
    const arg = (name: string) =>
      args.find((a) => a.args.startsWith(`${name}=`))?.args.split('=')[1];
    expect(arg('CUDA_CUDART_VERSION')).toMatch(/^11\.2\.\d+-1$/);
    expect(arg('CUDNN_VERSION')).toMatch(/^8\.1\.\d+\.\d+-1\+cuda11\.2$/);
    for (const name of ['CUBLAS', 'CUFFT', 'CURAND', 'CUSOLVER', 'CUSPARSE']) {
      expect(arg(`${name}_VERSION`), name).toMatch(/^\d+\.\d+\.\d+\.\d+-1$/);
    }
    const install = runs(gpu, 'runtime').find((r) => r.includes('libcudnn8='))!;
    for (const pkg of [
      'cuda-cudart-11-2',
      'libcublas-11-2',
      'libcufft-11-2',
      'libcurand-11-2',
      'libcusolver-11-2',
      'libcusparse-11-2',
      'libcudnn8',
    ]) {
      expect(install, pkg).toMatch(new RegExp(`${pkg}="\\$\\{\\w+_VERSION\\}"`));
    }
    // NVIDIA's CUDA 11.2 packages exist for Ubuntu 20.04, and the key is checked by fingerprint.
    expect(gpu.globalArgs.get('CUDA_BASE_IMAGE')).toBe('docker.io/library/ubuntu:20.04');
    expect(install).toMatch(/cuda\/repos\/ubuntu2004\/x86_64/);
    expect(install).toMatch(/grep -q "\^fpr:::::::::\$\{NVIDIA_KEY_FINGERPRINT\}:"/);
  });

  it('cites where the versions come from and why no nvidia/cuda base', () => {
    expect(text).toMatch(/tfjs-node\/README\.md/);
    expect(text).toMatch(/LIBTENSORFLOW_VERSION = '2\.9\.1'/);
    expect(text).toMatch(/tensorflow\.org\/install\/source#gpu/);
    expect(text).toMatch(/support-policy\.md/);
    expect(text).not.toMatch(/^FROM\s+\S*nvidia\/cuda/m);
  });

  it('keeps tfjs-node-gpu, drops the CPU tfjs-node, and defaults the backend to tensorflow', () => {
    const install = runs(gpu, 'runtime').join('\n');
    expect(install).toMatch(/test -f node_modules\/@tensorflow\/tfjs-node-gpu\/package\.json/);
    expect(install).toMatch(/rm -rf node_modules\/@tensorflow\/tfjs-node(?!-)/);
    expect(envOf(final(gpu)).get('REPVGG_BACKEND')).toBe('tensorflow');
  });
});

describe('.dockerignore', () => {
  it('keeps local state and build output out of the build context', () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', 'out', '.repvgg', 'datasets', '.git']) {
      expect(lines).toContain(entry);
    }
  });
});
