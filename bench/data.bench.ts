import { publishBenchResults, runBench } from './bench-output';
import {
  BatchLoader,
  CenterCropTransform,
  decodeImageFile,
  FASHION_MNIST_DIR,
  type ImageTransform,
  microBatchRequests,
  openDataset,
  openImageFolder,
  RandomResizedCropTransform,
  SmallImageTransform,
  type DatasetSplit,
} from '@repvgg/training/data';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * `npm run bench -- data`: decode + augment throughput of the input pipeline on 500×375 JPEGs (the
 * ImageNet median size), through the real image-folder source and batch loader, one decode at a time
 * (img/s per core) and with one decode per core.
 */

const IMAGES = 200;
const WIDTH = 500;
const HEIGHT = 375;
const BATCH = 20;
const MIN_SECONDS = 3;

interface CaseResult {
  readonly case: string;
  readonly concurrency: number;
  readonly images: number;
  readonly seconds: number;
  readonly imgPerSec: number;
  /** img/s divided by the cores the case may use (min(concurrency, cores)). */
  readonly imgPerSecPerCore: number;
  /** Images per second of CPU time used by the whole process (libvips and libuv threads included): per-core cost, robust to a busy machine. */
  readonly imgPerCpuSecond: number;
}

/** Times `body` (which returns the images it processed) in wall-clock and process CPU time. */
async function measure(
  name: string,
  concurrency: number,
  body: () => Promise<number>,
): Promise<CaseResult> {
  let images = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < MIN_SECONDS * 1000) images += await body();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const cores = Math.min(concurrency, availableParallelism());
  return {
    case: name,
    concurrency,
    images,
    seconds: round(seconds, 2),
    imgPerSec: round(images / seconds, 1),
    imgPerSecPerCore: round(images / seconds / cores, 1),
    imgPerCpuSecond: round(images / cpuSeconds, 1),
  };
}

/** Photo-like content: smooth colour blobs (an upscaled random thumbnail) plus fine grain, so JPEG sizes look real. */
async function makeJpeg(seed: number): Promise<Buffer> {
  let s = (seed * 2654435761) >>> 0;
  const rand = (): number => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s & 0xff;
  };
  const thumb = Buffer.alloc(20 * 15 * 3);
  for (let i = 0; i < thumb.length; i++) thumb[i] = rand();
  const base = await sharp(thumb, { raw: { width: 20, height: 15, channels: 3 } })
    .resize(WIDTH, HEIGHT, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  for (let i = 0; i < base.length; i++)
    base[i] = Math.min(255, Math.max(0, base[i] + (rand() >> 3) - 16));
  return sharp(base, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function timeLoader(
  name: string,
  split: DatasetSplit,
  transform: ImageTransform,
  concurrency: number,
): Promise<CaseResult> {
  const steps = Math.floor(split.size / BATCH);
  const run = async (epoch: number): Promise<number> => {
    const loader = new BatchLoader({
      split,
      transform,
      seed: 1,
      globalBatch: BATCH,
      replicas: 1,
      concurrency,
      prefetch: 4,
    });
    let n = 0;
    for await (const mb of loader.load(microBatchRequests(epoch, 0, steps, [0]))) n += mb.count;
    if (loader.failures.count > 0)
      throw new Error(`${loader.failures.count} images failed to decode`);
    return n;
  };
  await run(0);
  let epoch = 1;
  return measure(name, concurrency, () => run(epoch++));
}

async function timeDecodeOnly(files: readonly string[]): Promise<CaseResult> {
  for (const f of files.slice(0, 20)) await decodeImageFile(f);
  return measure('decode only (full 500×375 RGB)', 1, async () => {
    for (const f of files) {
      const r = await decodeImageFile(f);
      if (!r.ok) throw new Error(r.failure.reason);
    }
    return files.length;
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function markdown(results: readonly CaseResult[], meanKiB: number): string {
  const rows = results.map(
    (r) =>
      `| ${r.case} | ${r.concurrency} | ${r.imgPerSec} | ${r.imgPerSecPerCore} | ${r.imgPerCpuSecond} | ${r.images} in ${r.seconds} s |`,
  );
  return [
    `# Data pipeline benchmark`,
    '',
    `${IMAGES} generated JPEGs of ${WIDTH}×${HEIGHT} (mean ${meanKiB.toFixed(1)} KiB), decoded with sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}).`,
    'Each case runs the real source → transform → batch loader path (batches of 20) for at least 3 s after a warm-up epoch.',
    '',
    `Load average at the end: ${loadavg()[0]?.toFixed(1) ?? '?'} (wall-clock img/s drop when other work shares the cores; img per CPU-second does not).`,
    '',
    '| case | concurrent decodes | img/s | img/s per core | img per CPU-second | measured |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-data-'));
  try {
    const dir = join(root, 'train', 'n00000000');
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    let bytes = 0;
    for (let i = 0; i < IMAGES; i++) {
      const file = join(dir, `img_${i}.JPEG`);
      await writeFile(file, await makeJpeg(i + 1));
      bytes += (await stat(file)).size;
      files.push(file);
    }
    const source = await openImageFolder(root, { cacheDir: join(root, 'cache') });
    const cores = availableParallelism();
    const train224 = new RandomResizedCropTransform({ size: 224 });
    const results: CaseResult[] = [
      await timeDecodeOnly(files),
      await timeLoader(
        'train: RandomResizedCrop 224 + flip + normalize',
        source.train,
        train224,
        1,
      ),
      await timeLoader(
        'train: RandomResizedCrop 224 + flip + normalize',
        source.train,
        train224,
        cores,
      ),
      await timeLoader(
        'val: resize 256 + centre crop 224 + normalize',
        source.train,
        new CenterCropTransform({ size: 224 }),
        1,
      ),
    ];
    if (existsSync(FASHION_MNIST_DIR)) {
      const fm = await openDataset({ dataset: 'fashion-mnist' });
      if (fm.stats !== undefined) {
        const small = new SmallImageTransform({
          size: 32,
          channels: 3,
          stats: fm.stats,
          padding: 4,
          flipProbability: 0.5,
          augment: true,
        });
        results.push(
          await timeLoader('Fashion-MNIST 28→32 + pad-crop + flip + normalize', fm.train, small, 1),
        );
      }
    }
    const report = {
      benchmark: 'data',
      date: new Date().toISOString(),
      images: {
        count: IMAGES,
        width: WIDTH,
        height: HEIGHT,
        meanBytes: Math.round(bytes / IMAGES),
      },
      cores,
      loadAverage: loadavg()[0],
      sharp: sharp.versions.sharp,
      libvips: sharp.versions.vips,
      results,
    };
    const md = markdown(results, bytes / IMAGES / 1024);
    publishBenchResults('data', report, md);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

runBench('data', main);
