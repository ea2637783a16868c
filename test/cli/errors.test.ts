import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, stderrLines, type CliResult } from './cli-harness';
import { randomNpy, tempDir, TINY_ARCH, writeJson } from './cli-fixtures';

/** A usage error: exit code 2, nothing on stdout, one `repvgg: <problem>; <remedy>` line. */
function expectUsageError(r: CliResult, mentions: RegExp): void {
  expect(r.stdout).toBe('');
  const lines = stderrLines(r);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^repvgg: \S.*; \S.*$/);
  expect(lines[0]).toMatch(mentions);
  expect(r.code).toBe(2);
}

describe('repvgg bad input: one line on stderr, exit code 2', () => {
  const dir = tempDir();
  const tinyFile = join(dir, 'tiny.json');
  const ckpt = join(dir, 'tiny.safetensors');
  const goodNpy = join(dir, 'x.npy');

  beforeAll(() => {
    ensureBuilt();
    writeJson(dir, 'tiny.json', TINY_ARCH);
    const init = runCli(['init', '--arch-file', tinyFile, '--seed', '1', '--out', ckpt]);
    expect(init.code).toBe(0);
    randomNpy(goodNpy, [1, 3, 16, 16], 1);
  });

  describe('unknown or malformed architecture', () => {
    it('unknown official name', () => {
      expectUsageError(runCli(['info', '--arch', 'RepVGG-Z9']), /unknown architecture "RepVGG-Z9"/);
    });

    it('custom JSON with three stages', () => {
      const bad = writeJson(dir, 'three.json', {
        numBlocks: [1, 1, 1],
        widthMultiplier: [1, 1, 1, 1],
      });
      expectUsageError(runCli(['info', '--arch-file', bad]), /numBlocks/);
    });

    it('custom JSON that is not JSON', () => {
      const bad = join(dir, 'broken.json');
      writeFileSync(bad, '{ numBlocks: [1');
      expectUsageError(runCli(['info', '--arch-file', bad]), /does not parse/);
    });

    it('no architecture at all', () => {
      expectUsageError(runCli(['info']), /no architecture given/);
    });

    it('both --arch and --arch-file', () => {
      expectUsageError(
        runCli(['info', '--arch', 'A0', '--arch-file', tinyFile]),
        /cannot be used with/,
      );
    });
  });

  describe('missing files', () => {
    it('architecture file', () => {
      expectUsageError(
        runCli(['info', '--arch-file', join(dir, 'none.json')]),
        /architecture file .*none\.json does not exist/,
      );
    });

    it('checkpoint to convert', () => {
      expectUsageError(
        runCli([
          'convert',
          '--arch',
          'A0',
          '--in',
          join(dir, 'none.safetensors'),
          '--out',
          join(dir, 'b'),
        ]),
        /checkpoint .*none\.safetensors does not exist/,
      );
    });

    it('model and input of infer', () => {
      const out = join(dir, 'y.npy');
      expectUsageError(
        runCli(['infer', '--model', join(dir, 'none'), '--input', goodNpy, '--output', out]),
        /model .*none does not exist/,
      );
      expectUsageError(
        runCli(['infer', '--model', ckpt, '--input', join(dir, 'none.npy'), '--output', out]),
        /input .*none\.npy does not exist/,
      );
    });

    it('output directory', () => {
      expectUsageError(
        runCli([
          'init',
          '--arch',
          'A0',
          '--seed',
          '1',
          '--out',
          join(dir, 'no', 'such', 'x.safetensors'),
        ]),
        /output directory .* does not exist/,
      );
    });

    it('image to predict and a bundle that is not one', () => {
      const notBundle = join(dir, 'empty-dir');
      mkdirSync(notBundle, { recursive: true });
      const png = join(dir, 'none.png');
      expectUsageError(
        runCli(['predict', '--model', notBundle, png]),
        /image .*none\.png does not exist/,
      );
      writeFileSync(join(dir, 'fake.png'), 'not an image');
      expectUsageError(
        runCli(['predict', '--model', notBundle, join(dir, 'fake.png')]),
        /report\.json is missing/,
      );
      expectUsageError(runCli(['predict', '--model', ckpt, png]), /is not a directory/);
    });
  });

  describe('checkpoint that does not match', () => {
    it('another architecture (convert and infer)', () => {
      expectUsageError(
        runCli(['convert', '--arch', 'A0', '--in', ckpt, '--out', join(dir, 'bundle-a0')]),
        /checkpoint does not match RepVGG-A0 \(train keys\).*missing/,
      );
      expectUsageError(
        runCli([
          'infer',
          '--arch',
          'A0',
          '--model',
          ckpt,
          '--input',
          goodNpy,
          '--output',
          join(dir, 'y.npy'),
        ]),
        /checkpoint does not match RepVGG-A0/,
      );
    });

    it('another class count', () => {
      expectUsageError(
        runCli([
          'convert',
          '--arch-file',
          tinyFile,
          '--classes',
          '7',
          '--in',
          ckpt,
          '--out',
          join(dir, 'b7'),
        ]),
        /linear\.weight: expected float32 \[7, 128\]/,
      );
    });

    it('a file that is not safetensors', () => {
      const junk = join(dir, 'junk.safetensors');
      writeFileSync(junk, Buffer.from('definitely not safetensors'));
      expectUsageError(
        runCli(['convert', '--arch-file', tinyFile, '--in', junk, '--out', join(dir, 'bj')]),
        /junk\.safetensors/,
      );
    });
  });

  describe('malformed .npy and wrong input shape', () => {
    const infer = (input: string): CliResult =>
      runCli(['infer', '--model', ckpt, '--input', input, '--output', join(dir, 'y.npy')]);

    it('not a .npy file', () => {
      const bad = join(dir, 'bad.npy');
      writeFileSync(bad, 'hello world, not numpy');
      expectUsageError(infer(bad), /bad\.npy: not a \.npy file/);
    });

    it('truncated data', () => {
      const trunc = join(dir, 'trunc.npy');
      randomNpy(trunc, [1, 3, 8, 8], 2);
      const full = readFileSync(trunc);
      writeFileSync(trunc, full.subarray(0, full.length - 4));
      expectUsageError(infer(trunc), /trunc\.npy/);
    });

    it('one channel instead of three', () => {
      const gray = join(dir, 'gray.npy');
      randomNpy(gray, [2, 1, 16, 16], 3);
      expectUsageError(infer(gray), /input has shape \[2, 1, 16, 16\] .*NCHW \[N, 3, H, W\]/);
    });

    it('a 3-D array and an NHWC array', () => {
      const chw = join(dir, 'chw.npy');
      randomNpy(chw, [3, 16, 16], 4);
      expectUsageError(infer(chw), /input has shape \[3, 16, 16\]/);
      const nhwc = join(dir, 'nhwc.npy');
      randomNpy(nhwc, [1, 16, 16, 3], 5);
      expectUsageError(infer(nhwc), /input has shape \[1, 16, 16, 3\]/);
    });
  });

  describe('bad flag values', () => {
    it.each([
      [['info', '--arch', 'A0', '--classes', '0'], /--classes .*'0' is invalid/],
      [['info', '--arch', 'A0', '--resolution', 'big'], /--resolution .*'big' is invalid/],
      [
        ['init', '--arch', 'A0', '--seed', '-1', '--out', 'x.safetensors'],
        /--seed .*'-1' is invalid/,
      ],
      [['init', '--arch', 'A0', '--out', 'x.safetensors'], /required option '--seed <s>'/],
      [
        ['--backend', 'gpu', 'info', '--arch', 'A0'],
        /--backend .*Allowed choices are tensorflow, wasm, cpu/,
      ],
      [['info', '--arch', 'A0', '--frobnicate'], /unknown option '--frobnicate'/],
      [
        ['convert', '--arch', 'A0', '--in', 'x', '--out', 'y', '--mean', '0.5,x,1'],
        /--mean .*comma-separated/,
      ],
      [['predict', '--model', '.', 'a.png', '--top', '0'], /--top .*'0' is invalid/],
      [
        ['infer', '--model', 'm', '--input', 'x.npy', '--output', 'y.npy', '--batch-size', '1.5'],
        /--batch-size/,
      ],
      [['flap'], /unknown command 'flap'/],
      [
        ['worker', '--coordinator', '127.0.0.1:50051', '--data-plane', 'udp'],
        /--data-plane .*expected one of tcp, grpc/,
      ],
      [['worker', '--coordinator', '127.0.0.1:50051', '--data-port', '-1'], /--data-port/],
    ])('%j', (args, mentions) => {
      expectUsageError(runCli(args), mentions);
    });

    it('names the command whose help to read', () => {
      const r = runCli(['info', '--arch', 'A0', '--classes', 'ten']);
      expect(stderrLines(r)[0]).toMatch(/run 'repvgg info --help'/);
    });

    it('an unknown REPVGG_DATA_PLANE', () => {
      expectUsageError(
        runCli(['worker', '--coordinator', '127.0.0.1:50051', '--artifacts', dir], {
          REPVGG_DATA_PLANE: 'udp',
        }),
        /REPVGG_DATA_PLANE="udp" is not a data plane; set it to tcp or grpc/,
      );
    });

    it('repvgg coordinator --tls-dir without the files', () => {
      const tls = join(dir, 'no-tls-here');
      expectUsageError(
        runCli(['coordinator', '--tls-dir', tls], {
          REPVGG_API_TOKENS: 'cli-test-token-0123456789',
          REPVGG_DATA_ROOTS: dir,
          REPVGG_ARTIFACTS: join(dir, 'artifacts'),
        }),
        new RegExp(
          `REPVGG_TLS_DIR: cannot read the TLS file ${join(tls, 'ca.crt')} \\(ENOENT\\): the directory needs ca.crt, tls.crt, tls.key; fix the environment`,
        ),
      );
    });

    it('an unknown REPVGG_BACKEND', () => {
      const out = join(dir, 'y.npy');
      expectUsageError(
        runCli(['infer', '--model', ckpt, '--input', goodNpy, '--output', out], {
          REPVGG_BACKEND: 'tpu',
        }),
        /REPVGG_BACKEND="tpu" is not a compute backend; set it to/,
      );
    });
  });
});
