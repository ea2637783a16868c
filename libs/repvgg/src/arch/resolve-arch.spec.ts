import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandArch } from './arch-spec';
import { InvalidArchSpecError, UnknownArchError } from './arch.error';
import { archToJson, parseArchSpecJson, resolveArch } from './resolve-arch';
import { OFFICIAL_VARIANTS } from './variants';

const NAMES = Object.keys(OFFICIAL_VARIANTS);

function invalid(json: unknown): InvalidArchSpecError {
  try {
    parseArchSpecJson(JSON.stringify(json), 'bad');
  } catch (e) {
    if (e instanceof InvalidArchSpecError) return e;
    throw e;
  }
  throw new Error('expected InvalidArchSpecError');
}

describe('resolveArch by name', () => {
  it('resolves all 13 official names with and without the prefix, in any case', () => {
    expect(NAMES).toHaveLength(13);
    for (const name of NAMES) {
      const short = name.slice('RepVGG-'.length);
      for (const given of [name, short, short.toLowerCase(), name.toUpperCase()]) {
        const arch = resolveArch({ arch: given });
        expect(arch.spec.name).toBe(name);
        expect(arch.head.numClasses).toBe(1000);
      }
    }
  });

  it('builds B1g4 with groups 4 exactly on layers 2, 4, …, 26', () => {
    const arch = resolveArch({ arch: 'b1g4' });
    const grouped = arch.blocks.filter((b) => b.groups === 4).map((b) => b.prefix);
    expect(grouped).toEqual([
      'stage1.1',
      'stage1.3',
      'stage2.1',
      'stage2.3',
      'stage2.5',
      ...[1, 3, 5, 7, 9, 11, 13, 15].map((i) => `stage3.${i}`),
    ]);
    expect(arch.blocks.filter((b) => b.groups === 4).every((b) => b.hasIdentity)).toBe(true);
  });

  it('lets numClasses override the default', () => {
    expect(resolveArch({ arch: 'A0' }, { numClasses: 10 }).head).toEqual({
      inFeatures: 1280,
      numClasses: 10,
    });
    expect(() => resolveArch({ arch: 'A0' }, { numClasses: 0 })).toThrow(/numClasses/);
  });

  it('rejects an unknown name and lists the valid ones', () => {
    const err = (() => {
      try {
        return resolveArch({ arch: 'RepVGG-C9' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownArchError);
    expect((err as Error).message).toContain('"RepVGG-C9"');
    for (const name of NAMES) expect((err as Error).message).toContain(name);
  });

  it('needs exactly one of arch and archFile', () => {
    expect(() => resolveArch({})).toThrow(InvalidArchSpecError);
    expect(() => resolveArch({ arch: 'A0', archFile: 'x.json' })).toThrow(/exclusive/);
  });
});

describe('resolveArch from a JSON file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arch-'));

  it('reads the official-constructor JSON, names it after the file, keys groups by layer', () => {
    const path = join(dir, 'tiny-g.json');
    writeFileSync(
      path,
      JSON.stringify({
        numBlocks: [2, 4, 14, 1],
        widthMultiplier: [0.75, 0.75, 0.75, 2.5],
        overrideGroupsMap: { '2': 4, '4': 4 },
        numClasses: 10,
      }),
    );
    const arch = resolveArch({ archFile: path });
    expect(arch.spec.name).toBe('tiny-g');
    expect(arch.head).toEqual({ inFeatures: 1280, numClasses: 10 });
    expect(arch.blocks.filter((b) => b.groups === 4).map((b) => b.prefix)).toEqual([
      'stage1.1',
      'stage2.1',
    ]);
    expect(resolveArch({ archFile: path }, { numClasses: 3 }).head.numClasses).toBe(3);
  });

  it('reports a missing file as an invalid spec naming the path', () => {
    expect(() => resolveArch({ archFile: join(dir, 'nope.json') })).toThrow(
      /nope\.json.*cannot be read/,
    );
  });
});

describe('parseArchSpecJson validation', () => {
  const ok = { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.25, 0.25, 0.25, 0.25] };

  it('defaults numClasses to 1000 and groups to none', () => {
    const spec = parseArchSpecJson(JSON.stringify(ok), 'x');
    expect(spec).toEqual({ ...ok, name: 'x', numClasses: 1000, overrideGroupsMap: {} });
  });

  it.each([
    [{ ...ok, numblocks: [1, 1, 1, 1] }, 'field "numblocks"'],
    [{ widthMultiplier: ok.widthMultiplier }, 'numBlocks'],
    [{ ...ok, numBlocks: [1, 1, 1] }, 'numBlocks'],
    [{ ...ok, numBlocks: [1, 0, 1, 1] }, 'numBlocks[1]'],
    [{ ...ok, numBlocks: [1, 1.5, 1, 1] }, 'numBlocks[1]'],
    [{ ...ok, widthMultiplier: [0.25, 0.25, '0.5', 0.25] }, 'widthMultiplier[2]'],
    [{ ...ok, widthMultiplier: [0.01, 0.25, 0.25, 0.25] }, 'widthMultiplier[0]'],
    [{ ...ok, numClasses: -1 }, 'numClasses'],
    [{ ...ok, overrideGroupsMap: [4] }, 'overrideGroupsMap'],
    [{ ...ok, overrideGroupsMap: { '0': 2 } }, 'overrideGroupsMap["0"]'],
    [{ ...ok, overrideGroupsMap: { '5': 2 } }, 'overrideGroupsMap["5"]'],
    [{ ...ok, overrideGroupsMap: { '2': 0 } }, 'overrideGroupsMap["2"]'],
    [{ ...ok, overrideGroupsMap: { '2': 3 } }, 'overrideGroupsMap["2"]'],
    [{ ...ok, inputChannels: 1 }, 'inputChannels'],
    [{ ...ok, stageWidths: [1, 2, 3, 4, 5] }, 'stageWidths'],
  ])('rejects %j naming %s', (json, field) => {
    const err = invalid(json);
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('rejects text that is not a JSON object', () => {
    expect(() => parseArchSpecJson('{', 'x')).toThrow(/does not parse/);
    expect(() => parseArchSpecJson('[1,2]', 'x')).toThrow(/must be an object/);
  });
});

describe('archToJson', () => {
  it('writes a JSON that parses back to the same architecture', () => {
    for (const source of [{ arch: 'B2g4' }, { arch: 'A0' }]) {
      const arch = resolveArch(source, { numClasses: 17 });
      const json = archToJson(arch);
      const back = expandArch(parseArchSpecJson(JSON.stringify(json), 'ignored'));
      expect(back).toEqual(arch);
    }
  });

  it('records the stage widths of the reference table', () => {
    expect(archToJson(resolveArch({ arch: 'A2' })).stageWidths).toEqual([64, 96, 192, 384, 1408]);
    expect(archToJson(resolveArch({ arch: 'B3' })).stageWidths).toEqual([64, 192, 384, 768, 2560]);
  });
});
