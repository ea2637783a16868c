import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { expandArch, type Architecture, type ArchSpec } from './arch-spec';
import { InvalidArchSpecError, UnknownArchError } from './arch.error';
import { OFFICIAL_VARIANTS } from './variants';

export const DEFAULT_NUM_CLASSES = 1000;
const OFFICIAL_PREFIX = 'repvgg-';
const STAGE_BASE_WIDTHS = [64, 128, 256, 512] as const;
/** Fields of a custom JSON beyond the spec that `archToJson` writes; tolerated so reports read back. */
const DESCRIPTIVE_FIELDS = new Set(['name', 'inputChannels', 'stageWidths']);
const SPEC_FIELDS = new Set(['numBlocks', 'widthMultiplier', 'overrideGroupsMap', 'numClasses']);

/** The JSON form of an architecture, as written to report.json and accepted by `parseArchSpecJson`. */
export interface ArchJson {
  readonly name: string;
  readonly numBlocks: readonly number[];
  readonly widthMultiplier: readonly number[];
  readonly overrideGroupsMap: Readonly<Record<string, number>>;
  readonly numClasses: number;
  readonly inputChannels: number;
  /** Output channels of stage0 … stage4. */
  readonly stageWidths: readonly number[];
}

/**
 * Resolves an official variant name (`RepVGG-A0`, `A0`, any case) or a custom JSON file into an
 * expanded architecture. `opts.numClasses` overrides the name's default (1000) or the file's value.
 */
export function resolveArch(
  source: { arch?: string; archFile?: string },
  opts: { numClasses?: number } = {},
): Architecture {
  if (opts.numClasses !== undefined) checkNumClasses(opts.numClasses, 'option');
  let spec: ArchSpec;
  if (source.arch !== undefined && source.archFile !== undefined) {
    throw new InvalidArchSpecError('request', 'arch/archFile', 'are exclusive: give one of them');
  } else if (source.arch !== undefined) {
    spec = officialSpec(source.arch);
  } else if (source.archFile !== undefined) {
    const text = readArchFile(source.archFile);
    spec = parseArchSpecJson(text, basename(source.archFile, extname(source.archFile)));
  } else {
    throw new InvalidArchSpecError(
      'request',
      'arch',
      'is missing: give a variant name or a JSON file',
    );
  }
  if (opts.numClasses !== undefined) spec = { ...spec, numClasses: opts.numClasses };
  return expandArch(spec);
}

function officialSpec(requested: string): ArchSpec {
  const wanted = requested.trim().toLowerCase();
  const names = Object.keys(OFFICIAL_VARIANTS);
  const name = names.find((n) => {
    const lower = n.toLowerCase();
    return lower === wanted || lower.slice(OFFICIAL_PREFIX.length) === wanted;
  });
  const shape = name === undefined ? undefined : OFFICIAL_VARIANTS[name];
  if (name === undefined || shape === undefined) throw new UnknownArchError(requested, names);
  return { name, numClasses: DEFAULT_NUM_CLASSES, ...shape };
}

function readArchFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new InvalidArchSpecError(path, 'file', `cannot be read (${reason})`);
  }
}

/**
 * Parses a custom architecture described as the official constructor takes it:
 * `{"numBlocks":[2,4,14,1], "widthMultiplier":[0.75,0.75,0.75,2.5], "overrideGroupsMap":{"2":4}, "numClasses":10}`.
 * `overrideGroupsMap` is optional (keys are official layer indices, 1 = `stage1.0`); `numClasses`
 * defaults to 1000. Every group count must divide the channels of its layer.
 */
export function parseArchSpecJson(text: string, name: string): ArchSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new InvalidArchSpecError(name, 'JSON', `does not parse (${reason})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArchSpecError(
      name,
      'JSON',
      'must be an object with numBlocks and widthMultiplier',
    );
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!SPEC_FIELDS.has(key) && !DESCRIPTIVE_FIELDS.has(key)) {
      const known = [...SPEC_FIELDS].join(', ');
      throw new InvalidArchSpecError(name, `field "${key}"`, `is not known: use ${known}`);
    }
  }
  const specName = parseName(obj.name, name);
  const numBlocks = parseQuad(
    obj.numBlocks,
    name,
    'numBlocks',
    (v) => Number.isInteger(v) && v >= 1,
  );
  const widthMultiplier = parseQuad(
    obj.widthMultiplier,
    name,
    'widthMultiplier',
    (v, i) => Number.isFinite(v) && Math.trunc(STAGE_BASE_WIDTHS[i] * v) >= 1,
  );
  const numClasses = obj.numClasses === undefined ? DEFAULT_NUM_CLASSES : obj.numClasses;
  checkNumClasses(numClasses, name);
  const spec: ArchSpec = {
    name: specName,
    numBlocks,
    widthMultiplier,
    overrideGroupsMap: parseGroups(obj.overrideGroupsMap, name, numBlocks),
    numClasses,
  };
  checkGroupsDivide(spec, name);
  checkDescriptive(obj, spec, name);
  return spec;
}

function parseName(value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArchSpecError(fallback, 'name', 'must be a non-empty string');
  }
  return value;
}

function parseQuad(
  value: unknown,
  source: string,
  field: string,
  valid: (v: number, i: 0 | 1 | 2 | 3) => boolean,
): [number, number, number, number] {
  if (!Array.isArray(value) || value.length !== 4) {
    throw new InvalidArchSpecError(source, field, 'must be an array of 4 numbers (stages 1–4)');
  }
  const out = value.map((v: unknown, i) => {
    if (typeof v !== 'number' || !valid(v, i as 0 | 1 | 2 | 3)) {
      const what =
        field === 'numBlocks'
          ? 'a positive integer'
          : `a number giving at least one channel (64·2^${String(i)}·m ≥ 1)`;
      throw new InvalidArchSpecError(
        source,
        `${field}[${String(i)}]`,
        `must be ${what}, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  });
  return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0, out[3] ?? 0];
}

function parseGroups(
  value: unknown,
  source: string,
  numBlocks: readonly number[],
): Record<number, number> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArchSpecError(
      source,
      'overrideGroupsMap',
      'must be an object {"<layer>": <groups>}',
    );
  }
  const layers = numBlocks.reduce((a, b) => a + b, 0);
  const out: Record<number, number> = {};
  for (const [key, groups] of Object.entries(value as Record<string, unknown>)) {
    const layer = Number(key);
    const field = `overrideGroupsMap["${key}"]`;
    if (!Number.isInteger(layer) || layer < 1 || layer > layers) {
      throw new InvalidArchSpecError(
        source,
        field,
        `is not a layer index: use 1…${String(layers)} (1 = stage1.0; stage0 cannot be grouped)`,
      );
    }
    if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1) {
      throw new InvalidArchSpecError(
        source,
        field,
        `must be a positive integer, got ${JSON.stringify(groups)}`,
      );
    }
    out[layer] = groups;
  }
  return out;
}

function checkGroupsDivide(spec: ArchSpec, source: string): void {
  const arch = expandArch(spec);
  arch.blocks.forEach((b, layer) => {
    if (b.inChannels % b.groups !== 0 || b.outChannels % b.groups !== 0) {
      throw new InvalidArchSpecError(
        source,
        `overrideGroupsMap["${String(layer)}"]`,
        `= ${String(b.groups)} does not divide ${b.prefix}'s ${String(b.inChannels)}→${String(b.outChannels)} channels`,
      );
    }
  });
}

function checkDescriptive(obj: Record<string, unknown>, spec: ArchSpec, source: string): void {
  if (obj.inputChannels !== undefined && obj.inputChannels !== 3) {
    throw new InvalidArchSpecError(source, 'inputChannels', 'must be 3 (RepVGG takes RGB input)');
  }
  if (obj.stageWidths !== undefined) {
    const expected = stageWidths(expandArch(spec));
    if (JSON.stringify(obj.stageWidths) !== JSON.stringify(expected)) {
      throw new InvalidArchSpecError(
        source,
        'stageWidths',
        `disagrees with widthMultiplier (expected ${JSON.stringify(expected)}): remove it or fix it`,
      );
    }
  }
}

function checkNumClasses(value: unknown, source: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArchSpecError(
      source,
      'numClasses',
      `must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
}

function stageWidths(arch: Architecture): number[] {
  const widths: number[] = [];
  for (const b of arch.blocks) widths[b.stage] = b.outChannels;
  return widths;
}

/** The architecture as plain JSON for report.json; `parseArchSpecJson` reads it back. */
export function archToJson(arch: Architecture): ArchJson {
  const { spec } = arch;
  return {
    name: spec.name,
    numBlocks: [...spec.numBlocks],
    widthMultiplier: [...spec.widthMultiplier],
    overrideGroupsMap: Object.fromEntries(
      Object.entries(spec.overrideGroupsMap).map(([k, g]) => [k, g]),
    ),
    numClasses: spec.numClasses,
    inputChannels: arch.inputChannels,
    stageWidths: stageWidths(arch),
  };
}
