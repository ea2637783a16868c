import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tf } from '../compute/tf';

/**
 * A tfjs load handler that reads `model.json` and its weight shards from the local disk, for
 * `tf.loadGraphModel(handler)` / `tf.loadLayersModel(handler)` in Node without tfjs-node (whose
 * `file://` router is the only built-in way to read files).
 */
export function tfjsFileHandler(modelJsonPath: string): tf.io.IOHandler {
  const dir = dirname(modelJsonPath);
  return {
    load: async () => {
      const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest
            .flatMap((group) => group.paths)
            .map(async (p) => {
              const bytes = await readFile(join(dir, p));
              // A Buffer may be a view into a shared pool: hand tfjs an ArrayBuffer of its own.
              return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
            }),
        );
        return [specs, buffers];
      });
    },
  };
}
