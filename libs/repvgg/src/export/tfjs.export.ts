import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Architecture } from '../arch/arch-spec';
import type { StateDict } from '../tensor/host-tensor';
import { validateStateDict } from '../weights/state-dict-layout';
import { float32LeBytes, int32LeBytes } from './little-endian';
import { buildTfGraph, type TfWeight } from './tfjs-graph';

/** tfjs-converter's default shard size: small enough for browser caches and HTTP/2 streams. */
export const TFJS_SHARD_BYTES = 4 * 1024 * 1024;
export const TFJS_MODEL_JSON = 'model.json';

const weightBytes = (w: TfWeight): Uint8Array =>
  w.data instanceof Float32Array ? float32LeBytes(w.data) : int32LeBytes(w.data);

/**
 * Cuts the concatenation of `parts` into consecutive chunks of at most `maxBytes`; a tensor may
 * straddle two shards, as tfjs concatenates all shards before slicing weights out.
 */
export function shardBytes(parts: readonly Uint8Array[], maxBytes: number): Uint8Array[] {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const shards: Uint8Array[] = [];
  let part = 0;
  let offsetInPart = 0;
  for (let start = 0; start < total; start += maxBytes) {
    const shard = new Uint8Array(Math.min(maxBytes, total - start));
    let filled = 0;
    while (filled < shard.byteLength) {
      const src = parts[part];
      const n = Math.min(src.byteLength - offsetInPart, shard.byteLength - filled);
      shard.set(src.subarray(offsetInPart, offsetInPart + n), filled);
      filled += n;
      offsetInPart += n;
      if (offsetInPart === src.byteLength) {
        part++;
        offsetInPart = 0;
      }
    }
    shards.push(shard);
  }
  return shards;
}

/**
 * Writes the fused deploy model as a tfjs GraphModel into `dir`: `model.json` plus binary weight
 * shards of at most 4 MiB, NHWC float32 input `input`, output `logits`. Loads with
 * `tf.loadGraphModel(tfjsFileHandler(join(dir, 'model.json')))`. Returns the file names written.
 */
export async function exportTfjs(
  arch: Architecture,
  deploySd: StateDict,
  dir: string,
): Promise<string[]> {
  const graph = buildTfGraph(arch, validateStateDict(arch, deploySd, 'deploy'));
  const shards = shardBytes(graph.weights.map(weightBytes), TFJS_SHARD_BYTES);
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`);
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'repvgg-dist',
    convertedBy: 'repvgg-dist exportTfjs',
    modelTopology: { node: graph.nodes, library: {}, versions: { producer: 1 } },
    userDefinedMetadata: {
      architecture: arch.spec.name,
      numClasses: arch.head.numClasses,
      inputLayout: 'NHWC',
    },
    weightsManifest: [
      {
        paths,
        weights: graph.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
      },
    ],
  };
  await mkdir(dir, { recursive: true });
  await Promise.all(shards.map((s, i) => writeFile(join(dir, paths[i] ?? ''), s)));
  await writeFile(join(dir, TFJS_MODEL_JSON), JSON.stringify(modelJson));
  return [TFJS_MODEL_JSON, ...paths];
}
