import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type HostTensor, type StateDict } from '@repvgg/core';
import { CHECKPOINT_FORMAT, type CheckpointMeta } from './checkpoint-meta';
import { CheckpointError } from './checkpoint.error';

export interface Checkpoint {
  /** Official training state dict (PyTorch keys, OIHW), loadable by any RepVGG tool. */
  readonly weights: StateDict;
  /** SGD momentum buffers by parameter key, in the compute model's variable layout. */
  readonly momentum: ReadonlyMap<string, HostTensor>;
  readonly meta: CheckpointMeta;
}

const LATEST = 'latest.json';
const MODEL = 'model.safetensors';
const OPTIMIZER = 'optimizer.safetensors';
const STATE = 'state.json';

const stepDir = (globalStep: number): string => `step-${String(globalStep).padStart(8, '0')}`;

/**
 * Writes `<root>/step-NNNNNNNN/{model,optimizer}.safetensors + state.json` into a temporary directory,
 * renames it into place and only then repoints `latest.json` (itself replaced by rename), so a crash at
 * any moment leaves the previous checkpoint intact and `latest.json` never names a partial one.
 * Keeps the newest `keep` checkpoints.
 */
export async function saveCheckpoint(root: string, ckpt: Checkpoint, keep = 2): Promise<string> {
  await mkdir(root, { recursive: true });
  const name = stepDir(ckpt.meta.cursor.globalStep);
  const tmp = join(root, `.${name}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  await writeSafetensors(join(tmp, MODEL), ckpt.weights, { format: 'pt' });
  await writeSafetensors(join(tmp, OPTIMIZER), new Map(ckpt.momentum));
  await writeFile(join(tmp, STATE), JSON.stringify(ckpt.meta, null, 2));
  const final = join(root, name);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  const latestTmp = join(root, `.${LATEST}.${process.pid}.tmp`);
  await writeFile(latestTmp, JSON.stringify({ checkpoint: name }));
  await rename(latestTmp, join(root, LATEST));
  const old = (await readdir(root)).filter((n) => /^step-\d{8}$/.test(n)).sort();
  for (const n of old.slice(0, Math.max(0, old.length - keep))) {
    await rm(join(root, n), { recursive: true, force: true });
  }
  return final;
}

/** The checkpoint `latest.json` names under `root`, or undefined when there is none yet. */
export async function loadLatestCheckpoint(root: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, LATEST), 'utf8');
  } catch {
    return undefined;
  }
  let pointer: { checkpoint?: unknown } | null;
  try {
    pointer = JSON.parse(text) as { checkpoint?: unknown } | null;
  } catch {
    pointer = null;
  }
  if (typeof pointer?.checkpoint !== 'string') {
    throw new CheckpointError(root, `${LATEST} names no checkpoint; delete it to start afresh`);
  }
  return loadCheckpoint(join(root, pointer.checkpoint));
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const meta = await readCheckpointMeta(dir);
  const weights = (await readSafetensors(join(dir, MODEL))).tensors;
  const momentum = (await readSafetensors(join(dir, OPTIMIZER))).tensors;
  return { weights, momentum, meta };
}

/** A checkpoint's `state.json` (its cursor, schedule, history …) without reading its tensors. */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  let parsed: { format?: unknown };
  try {
    parsed = JSON.parse(await readFile(join(dir, STATE), 'utf8')) as { format?: unknown };
  } catch (e) {
    throw new CheckpointError(
      dir,
      `cannot read ${STATE} (${(e as Error).message}); point at a step-NNNNNNNN checkpoint directory`,
    );
  }
  if (parsed.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      dir,
      `format is ${JSON.stringify(parsed.format)}, expected ${CHECKPOINT_FORMAT}; point at a checkpoint this version wrote, or train afresh into a new directory`,
    );
  }
  return parsed as CheckpointMeta;
}
