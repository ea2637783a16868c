import { decodeNpy, encodeNpy } from '@repvgg/core/weights/npy.codec';
import { NpyFormatError } from '@repvgg/core/weights/npy.error';
import type { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { InputShapeError } from '../errors/usage.error';
import { openModel } from '../io/model.source';
import { requireFile, requireParentDir } from '../io/paths';
import { startBackend } from '../model/backend';
import { loadPredictor } from '../model/predictor';
import { addArchOptions, ARCH_FROM_WEIGHTS_HELP, type ArchOptions } from '../options/arch.options';
import { positiveInt } from '../options/option-parsers';

interface InferOptions extends ArchOptions {
  readonly model: string;
  readonly input: string;
  readonly output: string;
  readonly batchSize: number;
}

const isNchw = (shape: readonly number[], channels: number): boolean =>
  shape.length === 4 && shape[1] === channels && shape.every((d) => d >= 1);

export function registerInfer(program: Command): void {
  addArchOptions(
    program
      .command('infer')
      .description(
        'logits for an NCHW float32 .npy batch: the multi-branch model (BN in inference mode) for a training checkpoint, the fused model for a bundle',
      ),
  )
    .requiredOption(
      '--model <path>',
      'training (or deploy) checkpoint (.safetensors or PyTorch .pth), or a bundle directory from `repvgg convert`',
    )
    .requiredOption('--input <file>', '.npy array [N, 3, H, W], float32 or float64')
    .requiredOption('--output <file>', '.npy file for the float32 logits [N, classes]')
    .option('--batch-size <n>', 'images per forward pass', positiveInt, 32)
    .addHelpText(
      'after',
      `${ARCH_FROM_WEIGHTS_HELP}\nExample:\n  repvgg infer --arch RepVGG-A0 --model train.safetensors --input x.npy --output y.npy\n`,
    )
    .action(async (opts: InferOptions, cmd: Command) => {
      requireFile('input', opts.input);
      requireParentDir(opts.output);
      const input = decodeInput(await readFile(opts.input), opts.input);
      const source = await openModel(opts.model, opts);
      if (!isNchw(input.shape, source.arch.inputChannels)) {
        throw new InputShapeError(input.shape, source.arch.inputChannels);
      }
      await startBackend(cmd.optsWithGlobals<{ backend?: string }>().backend);
      const predictor = await loadPredictor(source.arch, source.kind, source.stateDict);
      try {
        const [n, c, h, w] = input.shape as [number, number, number, number];
        const logits = await predictor.logits(
          { shape: [n, c, h, w], layout: 'NCHW', data: input.data },
          opts.batchSize,
        );
        await writeFile(opts.output, encodeNpy([n, source.arch.head.numClasses], logits));
        process.stderr.write(
          `${n} logits from the ${source.kind === 'train' ? 'multi-branch' : 'fused'} ${source.arch.spec.name} model → ${opts.output}\n`,
        );
      } finally {
        predictor.dispose();
      }
    });
}

function decodeInput(buf: Uint8Array, path: string): ReturnType<typeof decodeNpy> {
  try {
    return decodeNpy(buf);
  } catch (e) {
    if (e instanceof NpyFormatError) throw new NpyFormatError(e.problem, path);
    throw e;
  }
}
