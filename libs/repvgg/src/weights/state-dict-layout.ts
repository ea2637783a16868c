import type { Architecture, BlockSpec } from '../arch/arch-spec';
import type { ModelKind } from '../arch/cost';
import type { HostTensor, StateDict } from '../tensor/host-tensor';
import {
  StateDictMismatchError,
  UnknownStateDictKindError,
  type MisShapedKey,
} from './state-dict.error';

const DDP_PREFIX = 'module.';
const NUM_BATCHES_TRACKED = 'num_batches_tracked';
const BN_FIELDS = ['weight', 'bias', 'running_mean', 'running_var', NUM_BATCHES_TRACKED] as const;

function bnShapes(prefix: string, channels: number, out: Map<string, number[]>): void {
  for (const f of BN_FIELDS) out.set(`${prefix}.${f}`, f === NUM_BATCHES_TRACKED ? [] : [channels]);
}

function trainBlockShapes(b: BlockSpec, out: Map<string, number[]>): void {
  const cinPerGroup = b.inChannels / b.groups;
  // Module registration order of the official RepVGGBlock: rbr_identity, rbr_dense, rbr_1x1.
  if (b.hasIdentity) bnShapes(`${b.prefix}.rbr_identity`, b.inChannels, out);
  out.set(`${b.prefix}.rbr_dense.conv.weight`, [b.outChannels, cinPerGroup, 3, 3]);
  bnShapes(`${b.prefix}.rbr_dense.bn`, b.outChannels, out);
  out.set(`${b.prefix}.rbr_1x1.conv.weight`, [b.outChannels, cinPerGroup, 1, 1]);
  bnShapes(`${b.prefix}.rbr_1x1.bn`, b.outChannels, out);
}

/** Every key of the official PyTorch state dict with its shape, in `state_dict()` order. */
export function expectedShapes(arch: Architecture, kind: ModelKind): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const b of arch.blocks) {
    if (kind === 'train') {
      trainBlockShapes(b, out);
    } else {
      out.set(`${b.prefix}.rbr_reparam.weight`, [b.outChannels, b.inChannels / b.groups, 3, 3]);
      out.set(`${b.prefix}.rbr_reparam.bias`, [b.outChannels]);
    }
  }
  out.set('linear.weight', [arch.head.numClasses, arch.head.inFeatures]);
  out.set('linear.bias', [arch.head.numClasses]);
  return out;
}

function stripPrefix(key: string): string {
  return key.startsWith(DDP_PREFIX) ? key.slice(DDP_PREFIX.length) : key;
}

/** Whether a state dict holds the multi-branch training model or the fused deploy model. */
export function detectStateDictKind(sd: StateDict): ModelKind {
  const keys = [...sd.keys()].map(stripPrefix);
  if (keys.some((k) => k.includes('.rbr_reparam.'))) return 'deploy';
  if (keys.some((k) => k.includes('.rbr_dense.'))) return 'train';
  throw new UnknownStateDictKindError(keys);
}

function describe(t: HostTensor): string {
  return `${t.dtype} [${t.shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Checks every key, shape and dtype of `sd` against the architecture and returns it in official
 * key order with any DistributedDataParallel `module.` prefix removed (tensors are shared, not copied).
 * A missing `num_batches_tracked` is filled with 0, as PyTorch's BatchNorm does for old checkpoints.
 */
export function validateStateDict(arch: Architecture, sd: StateDict, kind: ModelKind): StateDict {
  const given = new Map<string, HostTensor>();
  for (const [k, t] of sd) given.set(stripPrefix(k), t);
  const expected = expectedShapes(arch, kind);
  const missing: string[] = [];
  const misShaped: MisShapedKey[] = [];
  const out: StateDict = new Map();
  for (const [key, shape] of expected) {
    const t = given.get(key);
    const isCounter = key.endsWith(NUM_BATCHES_TRACKED);
    if (t === undefined) {
      if (isCounter) out.set(key, { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
      else missing.push(key);
      continue;
    }
    const dtype = isCounter ? 'int64' : 'float32';
    if (t.dtype !== dtype || !sameShape(t.shape, shape)) {
      misShaped.push({ key, expected: `${dtype} [${shape.join(', ')}]`, actual: describe(t) });
      continue;
    }
    out.set(key, t);
  }
  const extra = [...given.keys()].filter((k) => !expected.has(k));
  if (missing.length + extra.length + misShaped.length > 0) {
    throw new StateDictMismatchError(
      arch.spec.name,
      kind,
      missing,
      extra,
      misShaped,
      hint(given, kind, misShaped),
    );
  }
  return out;
}

function hint(given: StateDict, kind: ModelKind, misShaped: readonly MisShapedKey[]): string {
  let actualKind: ModelKind | undefined;
  try {
    actualKind = detectStateDictKind(given);
  } catch {
    return 'pass a RepVGG checkpoint saved from this architecture';
  }
  if (actualKind === 'deploy' && kind === 'train') {
    return 'this is a fused deploy checkpoint: pass the training checkpoint (fusion cannot be undone)';
  }
  if (actualKind === 'train' && kind === 'deploy') {
    return 'this is a multi-branch training checkpoint: re-parameterize it first (repvgg convert)';
  }
  if (misShaped.length > 0 && misShaped.every((m) => m.key.startsWith('linear.'))) {
    return "only the classifier differs: set the number of classes (--classes) to the checkpoint's";
  }
  return 'check that --arch (or --arch-file) names the architecture the checkpoint was trained with';
}
