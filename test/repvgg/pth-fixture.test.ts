import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodePth,
  PthFormatError,
  readSafetensors,
  readWeightsFile,
  resolveArch,
  validateStateDict,
  type StateDict,
} from '@repvgg/core';

/**
 * The PyTorch checkpoint reader against files Debian's python3-torch (1.13) wrote:
 * test/fixtures/torch/make_pth.py saves a state dict of every storage type and view kind torch
 * emits (zip, legacy and deflated-zip copies) with the expected values beside it, and an
 * official-structure RepVGG's state_dict() with the same weights as safetensors.
 */
const DIR = join(__dirname, '../fixtures/torch');
const PYTHON = '/usr/bin/python3';

interface Expected {
  readonly dtype: 'float32' | 'int64';
  readonly shape: number[];
  readonly values: (number | string)[];
}

function expectMatches(sd: StateDict, expectedJson: string): void {
  const expected = JSON.parse(readFileSync(expectedJson, 'utf8')) as Record<string, Expected>;
  expect([...sd.keys()]).toEqual(Object.keys(expected));
  for (const [key, e] of Object.entries(expected)) {
    const t = sd.get(key);
    expect(t?.dtype, key).toBe(e.dtype);
    expect(t?.shape, key).toEqual(e.shape);
    const want =
      e.dtype === 'int64'
        ? BigInt64Array.from(e.values.map((v) => BigInt(v)))
        : Float32Array.from(e.values.map(Number));
    expect(t?.data, key).toEqual(want);
  }
}

function expectIdentical(a: StateDict, b: StateDict): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [key, t] of a) expect(b.get(key), key).toEqual(t);
}

describe('PyTorch .pth reader on torch-written fixtures', () => {
  it.each(['edge-cases.pth', 'edge-cases-legacy.pth', 'edge-cases-deflated.pth'])(
    '%s: float32/16, bfloat16, float64, int64 counters, transposed, offset, strided and shared views',
    (name) => {
      expectMatches(decodePth(readFileSync(join(DIR, name))), join(DIR, 'edge-cases.json'));
    },
  );

  it('reads an official-structure RepVGG state_dict() as the same state dict as safetensors', async () => {
    const pth = await readWeightsFile(join(DIR, 'repvgg-micro.pth'));
    expect(pth.metadata).toEqual({});
    const st = (await readSafetensors(join(DIR, 'repvgg-micro.safetensors'))).tensors;
    expectIdentical(pth.tensors, st);
    const arch = resolveArch({ archFile: join(DIR, 'repvgg-micro.arch.json') });
    expect([...validateStateDict(arch, pth.tensors, 'train').keys()]).toEqual([...st.keys()]);
  });

  it('strips the DistributedDataParallel prefix in the layout check, as for safetensors', () => {
    const sd = decodePth(readFileSync(join(DIR, 'edge-cases.pth')));
    expect([...sd.keys()].every((k) => k.startsWith('module.'))).toBe(true);
  });

  it('names the path of a truncated file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pth-'));
    const cut = join(dir, 'cut.pth');
    const whole = readFileSync(join(DIR, 'repvgg-micro.pth'));
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    await expect(readWeightsFile(cut)).rejects.toThrow(PthFormatError);
    await expect(readWeightsFile(cut)).rejects.toThrow(new RegExp(`^${cut}: .*re-copy`));
    rmSync(dir, { recursive: true });
  });
});

const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasTorch)(
  'files the installed torch writes now (skipped without /usr/bin/python3 + torch: apt-get install python3-torch)',
  () => {
    const out = mkdtempSync(join(tmpdir(), 'pth-regen-'));
    afterAll(() => {
      rmSync(out, { recursive: true, force: true });
    });

    it('make_pth.py output reads back as its own expected values', async () => {
      const run = spawnSync(PYTHON, [join(DIR, 'make_pth.py'), out], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      expect(run.status, run.stderr).toBe(0);
      for (const name of ['edge-cases.pth', 'edge-cases-legacy.pth', 'edge-cases-deflated.pth']) {
        expectMatches(decodePth(readFileSync(join(out, name))), join(out, 'edge-cases.json'));
      }
      expectIdentical(
        (await readWeightsFile(join(out, 'repvgg-micro.pth'))).tensors,
        (await readSafetensors(join(out, 'repvgg-micro.safetensors'))).tensors,
      );
    }, 60_000);
  },
);
