import { readFileSync } from 'node:fs';

/** One Dockerfile instruction, continuation lines joined, comments dropped. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  /** The FROM argument as written, e.g. `${NODE_IMAGE}`. */
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** `ARG NAME=default` before the first FROM (the ones FROM may use). */
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly stages: readonly Stage[];
  readonly text: string;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i].trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i;
    let joined = first;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i].trim();
      joined = joined.slice(0, -1).trimEnd() + (next.startsWith('#') ? '' : ` ${next}`);
    }
    const m = /^(\S+)\s*(.*)$/.exec(joined);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 });
  }
  return out;
}

export function parseDockerfile(file: string): Dockerfile {
  const text = readFileSync(file, 'utf8');
  const globalArgs = new Map<string, string | undefined>();
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/);
      stages.push({
        from: words[0],
        name: words.length === 3 && words[1].toUpperCase() === 'AS' ? words[2] : undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [key, ...value] = ins.args.split('=');
        globalArgs.set(key, value.length > 0 ? value.join('=') : undefined);
      }
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return { globalArgs, stages, text };
}

export const stage = (df: Dockerfile, name: string): Stage => {
  const s = df.stages.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no stage ${name}`);
  return s;
};

export const of = (s: Stage, keyword: string): Instruction[] =>
  s.instructions.filter((i) => i.keyword === keyword);

/** `COPY [--from=x] [--chown=..] src... dest` → its flags, sources and destination. */
export function copyParts(ins: Instruction): { from?: string; sources: string[]; dest: string } {
  const words = ins.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return {
    ...(from === undefined ? {} : { from }),
    sources: rest.slice(0, -1),
    dest: rest.at(-1)!,
  };
}

/** The ENV keys and values of a stage (`ENV A=1 B=2` form). */
export function envOf(s: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of of(s, 'ENV')) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
      env.set(m[1], m[2].replace(/^"|"$/g, ''));
    }
  }
  return env;
}
