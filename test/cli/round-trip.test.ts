import { Rng } from '@repvgg/core/tensor/rng';
import { decodeNpy, encodeNpy } from '@repvgg/core/weights/npy.codec';
import { readSafetensors, writeSafetensors } from '@repvgg/core/weights/safetensors.file';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, stderrLines } from './cli-harness';
import { randomNpy, tempDir, TINY_ARCH, writeJson } from './cli-fixtures';

const NAMES = ['tench', 'goldfish', 'shark', 'ray', 'hen'];
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** docs/reference.md's wide random BN statistics, so that fusion has real work to do. */
async function randomizeBatchNorm(path: string, seed: number): Promise<void> {
  const { tensors, metadata } = await readSafetensors(path);
  const rng = new Rng(seed);
  for (const [key, t] of tensors) {
    const m = /(?:\.bn|rbr_identity)\.(weight|bias|running_mean|running_var)$/.exec(key);
    if (m === null || t.dtype !== 'float32') continue;
    const draw = {
      weight: () => rng.uniform(0.2, 1.5),
      bias: () => rng.normal(0, 0.5),
      running_mean: () => rng.normal(0, 0.5),
      running_var: () => rng.uniform(0.2, 3),
    }[m[1] as 'weight' | 'bias' | 'running_mean' | 'running_var'];
    for (let i = 0; i < t.data.length; i++) t.data[i] = draw();
  }
  await writeSafetensors(path, tensors, metadata);
}

describe('repvgg init → convert → infer → predict on a tiny architecture', () => {
  const dir = tempDir();
  const arch = join(dir, 'tiny.json');
  const ckpt = join(dir, 'train.safetensors');
  const bundle = join(dir, 'bundle');
  const names = join(dir, 'names.txt');
  const infer = (model: string, input: string, output: string, extra: string[] = []) =>
    runCli([...extra, 'infer', '--model', model, '--input', input, '--output', output]);

  beforeAll(async () => {
    ensureBuilt();
    writeJson(dir, 'tiny.json', TINY_ARCH);
    writeFileSync(names, `${NAMES.join('\n')}\n`);
    const r = runCli(['init', '--arch-file', arch, '--seed', '7', '--out', ckpt]);
    expect(stderrLines(r).join('\n')).toMatch(
      /initialized tiny \(5 classes, \d+ tensors, seed 7\)/,
    );
    expect(r.code).toBe(0);
    await randomizeBatchNorm(ckpt, 11);
  });

  it('init is deterministic in the seed and records the architecture', async () => {
    const a = join(dir, 'a.safetensors');
    const b = join(dir, 'b.safetensors');
    const c = join(dir, 'c.safetensors');
    for (const [out, seed] of [
      [a, '3'],
      [b, '3'],
      [c, '4'],
    ] as const) {
      expect(runCli(['init', '--arch-file', arch, '--seed', seed, '--out', out]).code).toBe(0);
    }
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
    const { tensors, metadata } = await readSafetensors(a);
    expect(JSON.parse(metadata.arch)).toMatchObject({ numBlocks: [2, 1, 1, 1], numClasses: 5 });
    expect(tensors.get('stage1.1.rbr_dense.conv.weight')?.shape).toEqual([16, 8, 3, 3]);
    expect(tensors.has('stage1.1.rbr_identity.running_var')).toBe(true);
  });

  it('convert writes a verified deploy bundle and reports the steps', () => {
    const r = runCli([
      'convert',
      '--arch-file',
      arch,
      '--in',
      ckpt,
      '--out',
      bundle,
      '--resize',
      '32',
      '--crop-size',
      '32',
      '--class-names',
      names,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(bundle);
    expect(r.stderr).toMatch(/fuse → export onnx → export tfjs → verify/);
    expect(r.stderr).toMatch(/verified fused max\|Δ\|/);
    expect(r.stderr).toMatch(/verified onnx max\|Δ\|/);
    expect(r.stderr).toMatch(/verified tfjs max\|Δ\|/);
    for (const f of ['model.safetensors', 'model.onnx', 'model.json', 'report.json']) {
      expect(existsSync(join(bundle, f))).toBe(true);
    }
    const report = JSON.parse(readFileSync(join(bundle, 'report.json'), 'utf8')) as {
      equivalence: { pass: boolean; fused: { maxAbsDiff: number; maxAbs: number } };
      preprocessing: { resize: number; cropSize: number; classNames: string[] };
      deployParams: number;
    };
    expect(report.equivalence.pass).toBe(true);
    expect(report.equivalence.fused.maxAbsDiff).toBeLessThanOrEqual(
      1e-5 * report.equivalence.fused.maxAbs,
    );
    expect(report.preprocessing).toMatchObject({ resize: 32, cropSize: 32, classNames: NAMES });
    const info = runCli(['info', '--arch-file', arch, '--json']);
    expect(report.deployParams).toBe(
      (JSON.parse(info.stdout) as { deployParams: number }).deployParams,
    );
  });

  it('infer gives the same logits for the checkpoint (multi-branch) and the bundle (fused)', () => {
    const x = join(dir, 'x.npy');
    randomNpy(x, [3, 3, 32, 32], 5);
    const yTrain = join(dir, 'y-train.npy');
    const yBundle = join(dir, 'y-bundle.npy');
    const yCpu = join(dir, 'y-cpu.npy');
    expect(infer(ckpt, x, yTrain).code).toBe(0);
    const fromBundle = infer(bundle, x, yBundle);
    expect(fromBundle.code).toBe(0);
    expect(fromBundle.stderr).toMatch(/3 logits from the fused tiny model/);
    const cpu = infer(bundle, x, yCpu, ['--backend', 'cpu']);
    expect(cpu.stderr).toMatch(/compute backend: cpu/);
    const a = decodeNpy(readFileSync(yTrain));
    const b = decodeNpy(readFileSync(yBundle));
    const c = decodeNpy(readFileSync(yCpu));
    expect(a.shape).toEqual([3, 5]);
    expect(b.shape).toEqual([3, 5]);
    const scale = maxAbs(a.data);
    expect(scale).toBeGreaterThan(0.1);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThanOrEqual(1e-5 * scale);
    expect(maxAbsDiff(c.data, b.data)).toBeLessThanOrEqual(1e-5 * scale);
    // The bundle's deploy weights as a bare checkpoint run the same fused model.
    const yDeploy = join(dir, 'y-deploy.npy');
    const deploy = runCli([
      'infer',
      '--arch-file',
      arch,
      '--model',
      join(bundle, 'model.safetensors'),
      '--input',
      x,
      '--output',
      yDeploy,
    ]);
    expect(deploy.stderr).toMatch(/3 logits from the fused tiny model/);
    expect(maxAbsDiff(decodeNpy(readFileSync(yDeploy)).data, b.data)).toBe(0);
    // Different images give different logits (the model is not constant).
    expect(maxAbsDiff(a.data.subarray(0, 5), a.data.subarray(5, 10))).toBeGreaterThan(1e-3);
  });

  it('infer takes any spatial size and splits the batch', () => {
    const x = join(dir, 'odd.npy');
    randomNpy(x, [5, 3, 20, 28], 6);
    const whole = join(dir, 'odd-whole.npy');
    const split = join(dir, 'odd-split.npy');
    expect(infer(ckpt, x, whole).code).toBe(0);
    expect(
      runCli(['infer', '--model', ckpt, '--input', x, '--output', split, '--batch-size', '2']).code,
    ).toBe(0);
    const a = decodeNpy(readFileSync(whole));
    const b = decodeNpy(readFileSync(split));
    expect(a.shape).toEqual([5, 5]);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThanOrEqual(1e-5 * maxAbs(a.data));
  });

  it('infer checks flags against the bundle', () => {
    const r = runCli([
      'infer',
      '--classes',
      '9',
      '--model',
      bundle,
      '--input',
      join(dir, 'x.npy'),
      '--output',
      join(dir, 'y9.npy'),
    ]);
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toEqual([
      expect.stringMatching(
        /^repvgg: checkpoint does not match tiny \(deploy keys\).*linear\.weight: expected float32 \[9, 128\]/,
      ),
    ]);
  });

  it('convert refuses a fused checkpoint and an existing bundle', () => {
    const fused = runCli([
      'convert',
      '--arch-file',
      arch,
      '--in',
      join(bundle, 'model.safetensors'),
      '--out',
      join(dir, 'again'),
    ]);
    expect(fused.code).toBe(2);
    expect(stderrLines(fused)).toEqual([
      expect.stringMatching(/holds fused deploy weights but this command needs training weights; /),
    ]);
    const exists = runCli(['convert', '--arch-file', arch, '--in', ckpt, '--out', bundle]);
    expect(exists.code).toBe(2);
    expect(stderrLines(exists)).toEqual([
      expect.stringMatching(
        /bundle directory .*bundle exists and is not empty; choose a new directory or pass --overwrite/,
      ),
    ]);
  });

  it('convert --overwrite replaces a bundle', () => {
    const other = join(dir, 'other');
    const first = runCli(['convert', '--in', ckpt, '--out', other, '--crop-size', '16']);
    expect(first.code).toBe(0);
    const again = runCli(['convert', '--in', ckpt, '--out', other, '--overwrite']);
    expect(again.code).toBe(0);
    const report = JSON.parse(readFileSync(join(other, 'report.json'), 'utf8')) as {
      preprocessing: { cropSize: number; resize: number };
    };
    // The architecture came from the checkpoint's metadata; the second run used the defaults.
    expect(report.preprocessing).toMatchObject({ cropSize: 224, resize: 256 });
  });

  it('predict applies the recorded preprocessing and agrees with infer on the same pixels', async () => {
    const size = 32;
    const rgb = Buffer.alloc(size * size * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + (i % 3) * 91) % 256;
    const png = join(dir, 'pattern.png');
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(png);

    // The same image as infer's NCHW input, normalized with ImageNet mean/std.
    const nchw = new Float32Array(3 * size * size);
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < 3; c++) {
        nchw[c * size * size + p] = (rgb[p * 3 + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      }
    }
    const x = join(dir, 'pattern.npy');
    writeFileSync(x, encodeNpy([1, 3, size, size], nchw));
    const y = join(dir, 'pattern-logits.npy');
    expect(infer(bundle, x, y).code).toBe(0);
    const logits = decodeNpy(readFileSync(y)).data;
    const exp = Array.from(logits, (v) => Math.exp(v - Math.max(...logits)));
    const probs = exp.map((e) => e / exp.reduce((s, v) => s + v, 0));

    const r = runCli(['predict', '--model', bundle, png, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      image: string;
      top: { index: number; label: string; probability: number }[];
    }[];
    expect(out).toHaveLength(1);
    expect(out[0].image).toBe(png);
    expect(out[0].top).toHaveLength(5);
    const expected = probs.map((p, index) => ({ index, p })).sort((a, b) => b.p - a.p);
    out[0].top.forEach((t, rank) => {
      expect(t.index).toBe(expected[rank].index);
      expect(t.label).toBe(NAMES[t.index]);
      expect(t.probability).toBeCloseTo(expected[rank].p, 5);
    });
  });

  it('predict rejects a file that is not an image', () => {
    const fake = join(dir, 'fake.jpg');
    writeFileSync(fake, 'not a JPEG');
    const r = runCli(['predict', '--model', bundle, fake]);
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toEqual([
      expect.stringMatching(/^repvgg: cannot decode image .*fake\.jpg .*; pass a JPEG, PNG/),
    ]);
  });

  it('predict resizes, crops and prints a top-k table for several images', async () => {
    const wide = join(dir, 'wide.jpg');
    const tall = join(dir, 'tall.png');
    await sharp({
      create: { width: 64, height: 40, channels: 3, background: { r: 200, g: 30, b: 90 } },
    })
      .jpeg()
      .toFile(wide);
    await sharp({
      create: {
        width: 30,
        height: 50,
        channels: 4,
        background: { r: 0, g: 0, b: 255, alpha: 0.5 },
      },
    })
      .png()
      .toFile(tall);
    const r = runCli(['predict', '--model', bundle, '--top', '3', wide, tall]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(wide);
    expect(lines[4]).toBe(tall);
    for (const line of [...lines.slice(1, 4), ...lines.slice(5, 8)]) {
      expect(line).toMatch(/^ {2}[123]\. +\d+\.\d\d% {2}(tench|goldfish|shark|ray|hen) \(\d\)$/);
    }
  });
});
