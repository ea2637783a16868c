import type { Architecture, BlockSpec } from '@repvgg/core/arch/arch-spec';
import { archToJson } from '@repvgg/core/arch/resolve-arch';
import { countMacs, countParams } from '@repvgg/core/arch/cost';

export interface ArchSummary {
  readonly arch: Architecture;
  readonly resolution: number;
  readonly trainParams: number;
  readonly deployParams: number;
  readonly trainMacs: number;
  readonly deployMacs: number;
}

export function summarizeArch(arch: Architecture, resolution: number): ArchSummary {
  return {
    arch,
    resolution,
    trainParams: countParams(arch, 'train'),
    deployParams: countParams(arch, 'deploy'),
    trainMacs: countMacs(arch, resolution, 'train'),
    deployMacs: countMacs(arch, resolution, 'deploy'),
  };
}

export function summaryJson(s: ArchSummary): object {
  return {
    arch: archToJson(s.arch),
    trainParams: s.trainParams,
    deployParams: s.deployParams,
    trainMacs: s.trainMacs,
    deployMacs: s.deployMacs,
    resolution: s.resolution,
    numClasses: s.arch.head.numClasses,
  };
}

/** 3×3 conv, padding 1: the spatial size after a block of the given stride. */
const outSize = (size: number, stride: number): number => Math.floor((size - 1) / stride) + 1;

const thousands = (n: number): string => n.toLocaleString('en-US');

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function summaryTable(s: ArchSummary): string {
  const { arch } = s;
  const rows: string[][] = [['stage', 'blocks', 'width', 'groups', 'identity', 'output']];
  let size = s.resolution;
  const stages = new Map<number, BlockSpec[]>();
  for (const b of arch.blocks) stages.set(b.stage, [...(stages.get(b.stage) ?? []), b]);
  for (const [stage, blocks] of stages) {
    size = blocks.reduce((h, b) => outSize(h, b.stride), size);
    const groups = blocks.map((b) => b.groups);
    rows.push([
      `stage${stage}`,
      String(blocks.length),
      String(blocks[0].outChannels),
      groups.every((g) => g === 1) ? '1' : groups.join(','),
      String(blocks.filter((b) => b.hasIdentity).length),
      `${size}x${size}`,
    ]);
  }
  return [
    `${arch.spec.name}: ${arch.head.numClasses} classes, ${s.resolution}x${s.resolution} input`,
    '',
    ...table(rows),
    `head    global average pool, linear ${arch.head.inFeatures} -> ${arch.head.numClasses}`,
    '',
    ...table([
      ['train params', thousands(s.trainParams)],
      ['deploy params', thousands(s.deployParams)],
      ['train MACs', `${thousands(s.trainMacs)} (${(s.trainMacs / 1e9).toFixed(4)} G)`],
      ['deploy MACs', `${thousands(s.deployMacs)} (${(s.deployMacs / 1e9).toFixed(4)} G)`],
    ]),
  ].join('\n');
}
