import type { Command } from 'commander';
import { UsageError } from '../errors/usage.error';
import { loadImage } from '../io/image.loader';
import { openBundle } from '../io/model.source';
import { isDirectory, requireFile } from '../io/paths';
import { startBackend } from '../model/backend';
import { loadPredictor, type Predictor } from '../model/predictor';
import { topK, type ClassScore } from '../model/top-k';
import { positiveInt } from '../options/option-parsers';

interface PredictOptions {
  readonly model: string;
  readonly top: number;
  readonly json?: boolean;
}

interface ImageResult {
  readonly image: string;
  readonly top: readonly ClassScore[];
}

/** Images decoded and run together; bounds memory for long file lists. */
const CHUNK = 16;
const RGB = 3;

function printTable(results: readonly ImageResult[]): void {
  for (const r of results) {
    process.stdout.write(`${r.image}\n`);
    for (const [rank, s] of r.top.entries()) {
      const index = s.label === String(s.index) ? '' : ` (${s.index})`;
      process.stdout.write(
        `  ${rank + 1}. ${(s.probability * 100).toFixed(2).padStart(6)}%  ${s.label}${index}\n`,
      );
    }
  }
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      "top-k classes per image with a deploy bundle's fused model and its recorded preprocessing (resize, centre crop, normalization)",
    )
    .argument('<images...>', 'image files (JPEG, PNG, WebP, …)')
    .requiredOption('--model <dir>', 'deploy bundle directory from `repvgg convert`')
    .option('--top <k>', 'classes to show per image', positiveInt, 5)
    .option('--json', 'print JSON: [{image, top: [{index, label, probability}]}]')
    .addHelpText('after', '\nExample:\n  repvgg predict --model bundle/ cat.jpg dog.png\n')
    .action(async (images: string[], opts: PredictOptions, cmd: Command) => {
      if (!isDirectory(opts.model)) {
        throw new UsageError(
          `--model ${opts.model} is not a directory`,
          'pass the deploy bundle directory written by `repvgg convert`',
        );
      }
      for (const image of images) requireFile('image', image);
      const bundle = await openBundle(opts.model);
      const pre = bundle.report.preprocessing;
      const classes = bundle.arch.head.numClasses;
      const size = pre.cropSize;
      const results: ImageResult[] = [];
      let predictor: Predictor | undefined;
      try {
        for (let start = 0; start < images.length; start += CHUNK) {
          const chunk = images.slice(start, start + CHUNK);
          const batch = new Float32Array(chunk.length * size * size * RGB);
          for (const [i, image] of chunk.entries()) {
            batch.set(await loadImage(image, pre), i * size * size * RGB);
          }
          // After the first chunk decoded, so that a bad image is reported before tfjs loads.
          if (predictor === undefined) {
            await startBackend(cmd.optsWithGlobals<{ backend?: string }>().backend);
            predictor = await loadPredictor(bundle.arch, bundle.kind, bundle.stateDict);
          }
          const logits = await predictor.logits(
            { shape: [chunk.length, size, size, RGB], layout: 'NHWC', data: batch },
            CHUNK,
          );
          for (const [i, image] of chunk.entries()) {
            const row = logits.subarray(i * classes, (i + 1) * classes);
            results.push({ image, top: topK(row, opts.top, pre.classNames ?? []) });
          }
        }
      } finally {
        predictor?.dispose();
      }
      if (opts.json === true) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else printTable(results);
    });
}
