import { expect } from 'vitest';
import { tf } from '../compute/tf';

/** Runs `run` twice and expects the second run to leave as many tensors and backend data ids as it found. */
export async function expectNoHeapLeak(run: () => Promise<unknown>): Promise<void> {
  await run();
  const tensors = tf.memory().numTensors;
  const dataIds = tf.engine().backend.numDataIds();
  await run();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(dataIds);
}
