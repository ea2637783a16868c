import { SgdOptimizer, TrainState, type RunningStats, type SgdConfig } from '@repvgg/training';
import { StateTransferError } from './worker.error';

interface StateHeader {
  readonly step: number;
  readonly params: readonly (readonly [string, number])[];
  readonly running: readonly (readonly [string, number, string])[];
  readonly momentum: readonly (readonly [string, number])[];
}

/**
 * The whole training state as bytes for the leader's broadcast: a length-prefixed JSON header
 * naming every tensor, then the float32 values in header order. The header is padded to 4 bytes so
 * the receiver can view the body in place.
 */
export function encodeTrainState(state: TrainState): Uint8Array {
  const momentum = [...state.optimizer.state()];
  const running = [...state.running];
  const header: StateHeader = {
    step: state.step,
    params: [...state.params].map(([k, v]) => [k, v.length] as const),
    running: running.map(([k, r]) => [k, r.mean.length, r.tracked.toString()] as const),
    momentum: momentum.map(([k, v]) => [k, v.length] as const),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = 4 + Math.ceil(json.length / 4) * 4;
  const arrays = [
    ...state.params.values(),
    ...running.flatMap(([, r]) => [r.mean, r.variance]),
    ...momentum.map(([, v]) => v),
  ];
  const floats = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Uint8Array(headerBytes + 4 * floats);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  const body = new Float32Array(out.buffer, headerBytes, floats);
  let o = 0;
  for (const a of arrays) {
    body.set(a, o);
    o += a.length;
  }
  return out;
}

/** Rebuilds the state `encodeTrainState` wrote, with a fresh optimizer of `sgd` holding its buffers. */
export function decodeTrainState(bytes: Uint8Array, sgd: SgdConfig): TrainState {
  if (bytes.length < 4) throw new StateTransferError(`${bytes.length} bytes`);
  // Copied: the broadcast's buffer need not be 4-byte aligned.
  const copy = Uint8Array.from(bytes);
  const jsonLength = new DataView(copy.buffer).getUint32(0, true);
  const headerBytes = 4 + Math.ceil(jsonLength / 4) * 4;
  if (headerBytes > copy.length) throw new StateTransferError('truncated header');
  const header = JSON.parse(
    new TextDecoder().decode(copy.subarray(4, 4 + jsonLength)),
  ) as StateHeader;
  const body = new Float32Array(copy.buffer, headerBytes, (copy.length - headerBytes) / 4);
  let o = 0;
  const take = (n: number): Float32Array => {
    if (o + n > body.length) throw new StateTransferError('truncated body');
    const v = body.slice(o, o + n);
    o += n;
    return v;
  };
  const params = new Map(header.params.map(([k, n]) => [k, take(n)] as const));
  const running = new Map<string, RunningStats>(
    header.running.map(([k, n, tracked]) => [
      k,
      { mean: take(n), variance: take(n), tracked: BigInt(tracked) },
    ]),
  );
  const momentum = new Map(header.momentum.map(([k, n]) => [k, take(n)] as const));
  if (o !== body.length) throw new StateTransferError(`${body.length - o} values left over`);
  const optimizer = new SgdOptimizer(sgd);
  optimizer.loadState(momentum);
  return new TrainState(params, running, optimizer, header.step);
}
