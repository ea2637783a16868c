import { UnknownArchError } from '@repvgg/core/arch/arch.error';
import { StateDictMismatchError } from '@repvgg/core/weights/state-dict.error';
import { CheckpointError } from '@repvgg/training/checkpoint/checkpoint.error';
import { EmptyDatasetError, InvalidBatchLayoutError } from '@repvgg/training/data/dataset.error';
import { BatchTooSmallError } from '@repvgg/training/step/step.error';
import { TrainingSetupError } from '@repvgg/training/trainer/training-setup.error';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, reportCliError } from './cli-error.handler';
import { CommandLineError } from './command-line.error';
import { InputShapeError } from './usage.error';

function report(err: unknown): { code: number; lines: string[] } {
  let out = '';
  const code = reportCliError(err, (line) => {
    out += line;
  });
  return { code, lines: out.split('\n').filter((l) => l !== '') };
}

describe('reportCliError', () => {
  it('prints a usage error as one line and exits 2', () => {
    expect(report(new InputShapeError([2, 1, 8, 8], 3))).toEqual({
      code: EXIT_USAGE,
      lines: [
        'repvgg: input has shape [2, 1, 8, 8] but the model needs NCHW [N, 3, H, W] with N, H, W >= 1; save the batch as a 4-D float32 array with 3 channels on axis 1',
      ],
    });
  });

  it('gives library usage errors the CLI remedy', () => {
    const r = report(new UnknownArchError('Z9', ['RepVGG-A0', 'RepVGG-A1']));
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.lines).toEqual([
      'repvgg: unknown architecture "Z9"; use one of RepVGG-A0, RepVGG-A1 (the "RepVGG-" prefix is optional) or --arch-file FILE',
    ]);
    const mismatch = report(
      new StateDictMismatchError('RepVGG-A0', 'train', ['a', 'b'], [], [], 'check --arch'),
    );
    expect(mismatch.code).toBe(EXIT_USAGE);
    expect(mismatch.lines).toHaveLength(1);
  });

  it('treats the training library input errors as usage errors, by class', () => {
    expect(report(new EmptyDatasetError('/d/train'))).toEqual({
      code: EXIT_USAGE,
      lines: [
        'repvgg: dataset at /d/train has no images; put JPEG/PNG files in one folder per class (train/<class>/*.jpg)',
      ],
    });
    expect(report(new InvalidBatchLayoutError(15, 2)).lines).toEqual([
      'repvgg: global batch 15 is not divisible by 2 virtual replicas; choose a batch that is a multiple of the replica count',
    ]);
    expect(report(new TrainingSetupError('two flags clash', 'drop one')).lines).toEqual([
      'repvgg: two flags clash; drop one',
    ]);
    for (const err of [
      new CheckpointError('/c', 'format is 0; train afresh'),
      new BatchTooSmallError('stage0.bn', 1),
    ]) {
      const r = report(err);
      expect(r.code, err.name).toBe(EXIT_USAGE);
      expect(r.lines[0]).toMatch(/^repvgg: \S.*; \S.*$/);
    }
    const lookalike = Object.assign(new Error('dataset went away'), { name: 'DatasetError' });
    expect(report(lookalike).code).toBe(EXIT_FAILURE);
  });

  it('names the command whose help explains a parse error', () => {
    const err = new CommandLineError(
      new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"),
      'repvgg info',
    );
    expect(report(err)).toEqual({
      code: EXIT_USAGE,
      lines: ["repvgg: unknown option '--x'; run 'repvgg info --help' for the usage"],
    });
  });

  it('treats --help as success', () => {
    const err = new CommandLineError(
      new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'),
      'repvgg',
    );
    expect(report(err)).toEqual({ code: 0, lines: [] });
  });

  it('maps file-system path errors to 2 and anything else to 1, on one line', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), {
      code: 'ENOENT',
    });
    expect(report(enoent)).toEqual({
      code: EXIT_USAGE,
      lines: ["repvgg: ENOENT: no such file or directory, open 'x'; check the path"],
    });
    const bug = report(new Error('first line\nsecond line.'));
    expect(bug).toEqual({
      code: EXIT_FAILURE,
      lines: ['repvgg: first line; second line; rerun with REPVGG_DEBUG=1 for the stack trace'],
    });
  });
});
