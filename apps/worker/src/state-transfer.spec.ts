import { describe, it, expect } from 'vitest';
import { SgdOptimizer, TrainState } from '@repvgg/training';
import { decodeTrainState, encodeTrainState } from './state-transfer';
import { StateTransferError } from './worker.error';

const SGD = { momentum: 0.9, weightDecay: 1e-4, nesterov: false };

function sampleState(): TrainState {
  const optimizer = new SgdOptimizer(SGD);
  optimizer.loadState(new Map([['w', Float32Array.of(0.5, -0.25, 3)]]));
  return new TrainState(
    new Map([
      ['w', Float32Array.of(1, 2, 3)],
      // A key whose JSON length makes the header need padding to stay 4-byte aligned.
      ['bias_x', Float32Array.of(-1e-30, 3.4e38)],
    ]),
    new Map([
      [
        'stage0.rbr_dense.bn',
        { mean: Float32Array.of(0.1, 0.2), variance: Float32Array.of(1, 2), tracked: 2n ** 40n },
      ],
    ]),
    optimizer,
    17,
  );
}

describe('train state transfer', () => {
  it('round-trips weights, running statistics, momentum and step bit for bit', () => {
    const state = sampleState();
    const bytes = encodeTrainState(state);
    // The broadcast may hand the bytes over at any offset.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const back = decodeTrainState(shifted, SGD);
    expect(back.step).toBe(17);
    expect(back.params).toEqual(state.params);
    expect(back.running).toEqual(state.running);
    expect(back.optimizer.state()).toEqual(state.optimizer.state());
    expect(back.optimizer.config).toEqual(SGD);
  });

  it('refuses truncated bytes', () => {
    const bytes = encodeTrainState(sampleState());
    expect(() => decodeTrainState(bytes.subarray(0, bytes.length - 4), SGD)).toThrow(
      StateTransferError,
    );
    expect(() => decodeTrainState(bytes.subarray(0, 2), SGD)).toThrow(StateTransferError);
  });
});
