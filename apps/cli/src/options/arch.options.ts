import type { Architecture } from '@repvgg/core/arch/arch-spec';
import { resolveArch } from '@repvgg/core/arch/resolve-arch';
import { Option, type Command } from 'commander';
import { MissingArchError } from '../errors/usage.error';
import { requireFile } from '../io/paths';
import { positiveInt } from './option-parsers';

export interface ArchOptions {
  readonly arch?: string;
  readonly archFile?: string;
  readonly classes?: number;
}

/** `--arch NAME | --arch-file FILE [--classes N]`, shared by every command that builds a model. */
export function addArchOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--arch <name>', 'official variant: RepVGG-A0 … RepVGG-B3g4 (or A0 …)').conflicts(
        'archFile',
      ),
    )
    .addOption(
      new Option(
        '--arch-file <file>',
        'custom architecture JSON: {"numBlocks":[4 ints], "widthMultiplier":[4 numbers], "overrideGroupsMap":{"2":4}, "numClasses":N}',
      ),
    )
    .addOption(
      new Option(
        '--classes <n>',
        "number of classes (default: the file's numClasses, else 1000)",
      ).argParser(positiveInt),
    );
}

/** Help text for commands that can take the architecture from the weights' own record. */
export const ARCH_FROM_WEIGHTS_HELP =
  "\nWithout --arch/--arch-file the architecture is read from the bundle's report.json or from the\ncheckpoint's metadata (written by `repvgg init`); official PyTorch checkpoints need --arch.\n";

export function hasArch(opts: ArchOptions): boolean {
  return opts.arch !== undefined || opts.archFile !== undefined;
}

/** The architecture the flags name; a usage error when none is given or the file is missing. */
export function archFromOptions(opts: ArchOptions): Architecture {
  if (opts.archFile !== undefined) requireFile('architecture file', opts.archFile);
  else if (opts.arch === undefined) throw new MissingArchError();
  return resolveArch(
    { arch: opts.arch, archFile: opts.archFile },
    opts.classes === undefined ? undefined : { numClasses: opts.classes },
  );
}
