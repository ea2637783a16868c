import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './cli-harness';

interface InfoJson {
  arch: { name: string; stageWidths: number[]; overrideGroupsMap: Record<string, number> };
  trainParams: number;
  deployParams: number;
  trainMacs: number;
  deployMacs: number;
  resolution: number;
  numClasses: number;
}

const infoJson = (args: string[]): InfoJson => {
  const r = runCli(['info', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as InfoJson;
};

describe('repvgg info', () => {
  beforeAll(ensureBuilt);

  it('gives RepVGG-A0 the reference counts', () => {
    const a0 = infoJson(['--arch', 'RepVGG-A0']);
    expect(a0).toMatchObject({
      trainParams: 9_108_968,
      deployParams: 8_309_384,
      resolution: 224,
      numClasses: 1000,
    });
    expect(a0.deployMacs / 1e9).toBeCloseTo(1.3615, 4);
    expect(a0.arch.stageWidths).toEqual([48, 48, 96, 192, 1280]);
  });

  it('accepts the short, lower-case name of a grouped variant (B1g4)', () => {
    const b1g4 = infoJson(['--arch', 'b1g4']);
    expect(b1g4.arch.name).toBe('RepVGG-B1g4');
    expect(b1g4.trainParams).toBe(39_966_056);
    expect(b1g4.deployParams).toBe(36_125_416);
    expect(b1g4.deployMacs / 1e9).toBeCloseTo(7.3069, 4);
    expect(Object.keys(b1g4.arch.overrideGroupsMap)).toHaveLength(13);
  });

  it('applies --classes and --resolution', () => {
    const a0 = infoJson(['--arch', 'A0', '--classes', '10', '--resolution', '32']);
    // Only the head depends on the class count: 1280·(1000 − 10) + (1000 − 10) fewer parameters.
    expect(a0.deployParams).toBe(8_309_384 - 1281 * 990);
    expect(a0.numClasses).toBe(10);
    // MACs scale with the spatial area: convs at 32² cost (1/7)² of 224² (7² = 49 at the last stage).
    const head = 1280 * 10;
    const big = infoJson(['--arch', 'A0', '--classes', '10']);
    expect((a0.deployMacs - head) * 49).toBe(big.deployMacs - head);
  });

  it('reads a custom architecture file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'repvgg-info-'));
    const file = join(dir, 'tiny.json');
    writeFileSync(
      file,
      JSON.stringify({
        numBlocks: [2, 1, 1, 1],
        widthMultiplier: [0.25, 0.25, 0.25, 0.25],
        overrideGroupsMap: { '2': 2 },
        numClasses: 7,
      }),
    );
    const tiny = infoJson(['--arch-file', file, '--resolution', '32']);
    expect(tiny.arch.name).toBe('tiny');
    expect(tiny.arch.stageWidths).toEqual([16, 16, 32, 64, 128]);
    // Deploy: 3×3 kernels + biases of each block, then the head.
    const convs = [
      [16, 3, 1],
      [16, 16, 1],
      [16, 16, 2],
      [32, 16, 1],
      [64, 32, 1],
      [128, 64, 1],
    ];
    const deploy = convs.reduce((s, [o, i, g]) => s + o * (i / g) * 9 + o, 0) + 128 * 7 + 7;
    expect(tiny.deployParams).toBe(deploy);
  });

  it('prints a readable table by default', () => {
    const r = runCli(['info', '--arch', 'B1g4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^RepVGG-B1g4: 1000 classes, 224x224 input/);
    expect(r.stdout).toMatch(/stage1\s+4\s+128\s+1,4,1,4\s+3\s+56x56/);
    expect(r.stdout).toMatch(/deploy params\s+36,125,416/);
    expect(r.stdout).toMatch(/deploy MACs\s+7,306,870,784 \(7\.3069 G\)/);
  });
});
