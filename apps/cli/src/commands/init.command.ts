import { archToJson } from '@repvgg/core/arch/resolve-arch';
import { initStateDict } from '@repvgg/core/weights/init';
import { writeSafetensors } from '@repvgg/core/weights/safetensors.file';
import type { Command } from 'commander';
import { requireParentDir } from '../io/paths';
import { addArchOptions, archFromOptions, type ArchOptions } from '../options/arch.options';
import { nonNegativeInt } from '../options/option-parsers';

interface InitOptions extends ArchOptions {
  readonly seed: number;
  readonly out: string;
}

export function registerInit(program: Command): void {
  addArchOptions(
    program
      .command('init')
      .description(
        'write a randomly initialized training checkpoint (PyTorch Conv2d/BatchNorm2d/Linear init)',
      ),
  )
    .requiredOption('--seed <s>', 'random seed (non-negative integer)', nonNegativeInt)
    .requiredOption('--out <file>', 'output .safetensors file (official training keys)')
    .action(async (opts: InitOptions) => {
      const arch = archFromOptions(opts);
      requireParentDir(opts.out);
      const sd = initStateDict(arch, opts.seed);
      await writeSafetensors(opts.out, sd, {
        format: 'pt',
        arch: JSON.stringify(archToJson(arch)),
        seed: String(opts.seed),
      });
      process.stdout.write(`${opts.out}\n`);
      process.stderr.write(
        `initialized ${arch.spec.name} (${arch.head.numClasses} classes, ${sd.size} tensors, seed ${opts.seed})\n`,
      );
    });
}
