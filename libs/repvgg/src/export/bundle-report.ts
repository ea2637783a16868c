import type { ArchJson } from '../arch/resolve-arch';
import { BundleReportError } from './bundle.error';
import type { EquivalenceResult } from './equivalence';

export const BUNDLE_FORMAT = 'repvgg-deploy-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_REPORT_FILE = 'report.json';
export const BUNDLE_SAFETENSORS_FILE = 'model.safetensors';
export const BUNDLE_ONNX_FILE = 'model.onnx';
export const BUNDLE_TFJS_FILE = 'model.json';
const REQUIRED_FILES = [BUNDLE_SAFETENSORS_FILE, BUNDLE_ONNX_FILE, BUNDLE_TFJS_FILE] as const;

/** How an image becomes the model's input: the validation transform the model was trained with. */
export interface Preprocessing {
  /** Per channel, applied to [0, 1] pixel values: (x − mean) / std. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** The shorter image side is resized to this many pixels … */
  readonly resize: number;
  /** … then a centre crop of cropSize × cropSize is the model input. */
  readonly cropSize: number;
  /** Class names by logit index, or null when the dataset had none. */
  readonly classNames: readonly string[] | null;
}

export interface BlockSummary {
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: number;
  readonly groups: number;
  readonly hasIdentity: boolean;
}

export interface BundleEquivalence {
  /** The tfjs backend the multi-branch, fused and tfjs models ran on. */
  readonly backend: string;
  /** NCHW shape of the probe batch; `seed` is null when the caller supplied the batch. */
  readonly probe: { readonly shape: readonly number[]; readonly seed: number | null };
  /** Each against the multi-branch model's logits with BN in inference mode. */
  readonly fused: EquivalenceResult;
  readonly onnx: EquivalenceResult;
  readonly tfjs: EquivalenceResult;
  readonly pass: boolean;
}

export interface BundleFileEntry {
  readonly bytes: number;
  readonly sha256: string;
}

/** One epoch's numbers by name; a nested group (such as `val`) holds numbers too. */
export type BundleEpochMetrics = Readonly<
  Record<string, number | Readonly<Record<string, number>>>
>;

/** How well the bundled model did on held-out data, measured by whoever trained it. */
export interface BundleMetrics {
  /** The held-out split top1/top5 were measured on ('val', 'test'); null when there was none. */
  readonly split: string | null;
  /** Accuracy in [0, 1] after the last epoch; null without a held-out split. */
  readonly top1: number | null;
  readonly top5: number | null;
  /** Mean held-out loss after the last epoch. */
  readonly loss?: number | null;
  readonly trainSeconds?: number;
  /** Training images that could not be decoded and were skipped. */
  readonly decodeFailures?: number;
  /** Oldest epoch first. */
  readonly history: readonly BundleEpochMetrics[];
}

export interface BundleReport {
  readonly format: typeof BUNDLE_FORMAT;
  readonly formatVersion: typeof BUNDLE_FORMAT_VERSION;
  readonly createdAt: string;
  readonly architecture: { readonly spec: ArchJson; readonly blocks: readonly BlockSummary[] };
  readonly trainParams: number;
  readonly deployParams: number;
  /** Multiply-accumulates of the fused model for one image at inputResolution². */
  readonly deployMacs: number;
  readonly inputResolution: number;
  readonly preprocessing: Preprocessing;
  readonly equivalence: BundleEquivalence;
  /** Every other file of the bundle by name (report.json cannot hold its own hash). */
  readonly files: Readonly<Record<string, BundleFileEntry>>;
  /** Where the model came from: job spec, dataset manifest hash, code version, worker counts. */
  readonly provenance: Readonly<Record<string, unknown>>;
  /** Accuracy and training history; absent when the bundle was converted from a checkpoint. */
  readonly metrics?: BundleMetrics;
}

type Json = Record<string, unknown>;

/** A reader of one JSON document that names the offending field when a check fails. */
class Checker {
  constructor(private readonly source: string) {}

  fail(field: string, problem: string): never {
    throw new BundleReportError(this.source, field, problem);
  }

  obj(v: unknown, field: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(field, 'is not an object');
    return v as Json;
  }

  num(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'is not a finite number');
    return v;
  }

  count(v: unknown, field: string): number {
    const n = this.num(v, field);
    if (!Number.isSafeInteger(n) || n < 0) this.fail(field, 'is not a non-negative integer');
    return n;
  }

  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, 'is not a string');
    return v;
  }

  bool(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, 'is not a boolean');
    return v;
  }

  arr<T>(v: unknown, field: string, item: (x: unknown, f: string) => T): T[] {
    if (!Array.isArray(v)) this.fail(field, 'is not an array');
    return v.map((x, i) => item(x, `${field}[${i}]`));
  }

  nullable<T>(v: unknown, field: string, check: (x: unknown, f: string) => T): T | null {
    return v === null ? null : check(v, field);
  }

  fraction(v: unknown, field: string): number {
    const n = this.num(v, field);
    if (n < 0 || n > 1) this.fail(field, 'is not in [0, 1]');
    return n;
  }

  equivalence(v: unknown, field: string): EquivalenceResult {
    const o = this.obj(v, field);
    return {
      maxAbsDiff: this.num(o.maxAbsDiff, `${field}.maxAbsDiff`),
      maxAbs: this.num(o.maxAbs, `${field}.maxAbs`),
      relative: this.num(o.relative, `${field}.relative`),
      bound: this.num(o.bound, `${field}.bound`),
      pass: this.bool(o.pass, `${field}.pass`),
    };
  }
}

function checkArchJson(c: Checker, v: unknown): ArchJson {
  const o = c.obj(v, 'architecture.spec');
  const groups = c.obj(o.overrideGroupsMap, 'architecture.spec.overrideGroupsMap');
  return {
    name: c.str(o.name, 'architecture.spec.name'),
    numBlocks: c.arr(o.numBlocks, 'architecture.spec.numBlocks', (x, f) => c.count(x, f)),
    widthMultiplier: c.arr(o.widthMultiplier, 'architecture.spec.widthMultiplier', (x, f) =>
      c.num(x, f),
    ),
    overrideGroupsMap: Object.fromEntries(
      Object.entries(groups).map(([k, g]) => [
        k,
        c.count(g, `architecture.spec.overrideGroupsMap.${k}`),
      ]),
    ),
    numClasses: c.count(o.numClasses, 'architecture.spec.numClasses'),
    inputChannels: c.count(o.inputChannels, 'architecture.spec.inputChannels'),
    stageWidths: c.arr(o.stageWidths, 'architecture.spec.stageWidths', (x, f) => c.count(x, f)),
  };
}

function checkPreprocessing(c: Checker, v: unknown): Preprocessing {
  const o = c.obj(v, 'preprocessing');
  return {
    mean: c.arr(o.mean, 'preprocessing.mean', (x, f) => c.num(x, f)),
    std: c.arr(o.std, 'preprocessing.std', (x, f) => c.num(x, f)),
    resize: c.count(o.resize, 'preprocessing.resize'),
    cropSize: c.count(o.cropSize, 'preprocessing.cropSize'),
    classNames:
      o.classNames === null
        ? null
        : c.arr(o.classNames, 'preprocessing.classNames', (x, f) => c.str(x, f)),
  };
}

function checkEquivalence(c: Checker, v: unknown): BundleEquivalence {
  const o = c.obj(v, 'equivalence');
  const probe = c.obj(o.probe, 'equivalence.probe');
  return {
    backend: c.str(o.backend, 'equivalence.backend'),
    probe: {
      shape: c.arr(probe.shape, 'equivalence.probe.shape', (x, f) => c.count(x, f)),
      seed: probe.seed === null ? null : c.num(probe.seed, 'equivalence.probe.seed'),
    },
    fused: c.equivalence(o.fused, 'equivalence.fused'),
    onnx: c.equivalence(o.onnx, 'equivalence.onnx'),
    tfjs: c.equivalence(o.tfjs, 'equivalence.tfjs'),
    pass: c.bool(o.pass, 'equivalence.pass'),
  };
}

function checkFiles(c: Checker, v: unknown): Record<string, BundleFileEntry> {
  const o = c.obj(v, 'files');
  const files: Record<string, BundleFileEntry> = {};
  for (const [name, entry] of Object.entries(o)) {
    // Names come from an untrusted file and are joined to the bundle directory when verified.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      c.fail(`files["${name}"]`, 'is not a plain file name');
    const e = c.obj(entry, `files["${name}"]`);
    const sha256 = c.str(e.sha256, `files["${name}"].sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) c.fail(`files["${name}"].sha256`, 'is not a hex sha256');
    files[name] = { bytes: c.count(e.bytes, `files["${name}"].bytes`), sha256 };
  }
  for (const required of REQUIRED_FILES) {
    if (!(required in files)) c.fail('files', `does not list ${required}`);
  }
  return files;
}

function checkEpochMetrics(c: Checker, v: unknown, field: string): BundleEpochMetrics {
  const epoch: Record<string, number | Record<string, number>> = {};
  for (const [k, x] of Object.entries(c.obj(v, field))) {
    epoch[k] =
      typeof x === 'object'
        ? Object.fromEntries(
            Object.entries(c.obj(x, `${field}.${k}`)).map(([g, y]) => [
              g,
              c.num(y, `${field}.${k}.${g}`),
            ]),
          )
        : c.num(x, `${field}.${k}`);
  }
  return epoch;
}

/** Checks the metrics of a report (or a writeDeployBundle option); `source` names it in errors. */
export function validateBundleMetrics(value: unknown, source = BUNDLE_REPORT_FILE): BundleMetrics {
  const c = new Checker(source);
  const o = c.obj(value, 'metrics');
  return {
    split: c.nullable(o.split, 'metrics.split', (x, f) => c.str(x, f)),
    top1: c.nullable(o.top1, 'metrics.top1', (x, f) => c.fraction(x, f)),
    top5: c.nullable(o.top5, 'metrics.top5', (x, f) => c.fraction(x, f)),
    ...('loss' in o ? { loss: c.nullable(o.loss, 'metrics.loss', (x, f) => c.num(x, f)) } : {}),
    ...('trainSeconds' in o ? { trainSeconds: c.num(o.trainSeconds, 'metrics.trainSeconds') } : {}),
    ...('decodeFailures' in o
      ? { decodeFailures: c.count(o.decodeFailures, 'metrics.decodeFailures') }
      : {}),
    history: c.arr(o.history, 'metrics.history', (x, f) => checkEpochMetrics(c, x, f)),
  };
}

/**
 * Checks a parsed report.json field by field (no schema library: libs/repvgg depends on nothing
 * but tfjs) and returns it typed; `source` names the file in errors.
 */
export function validateBundleReport(value: unknown, source = BUNDLE_REPORT_FILE): BundleReport {
  const c = new Checker(source);
  const o = c.obj(value, 'report');
  if (o.format !== BUNDLE_FORMAT) c.fail('format', `is not "${BUNDLE_FORMAT}"`);
  if (o.formatVersion !== BUNDLE_FORMAT_VERSION) {
    c.fail('formatVersion', `is not ${BUNDLE_FORMAT_VERSION} (this reader's version)`);
  }
  const arch = c.obj(o.architecture, 'architecture');
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: c.str(o.createdAt, 'createdAt'),
    architecture: {
      spec: checkArchJson(c, arch.spec),
      blocks: c.arr(arch.blocks, 'architecture.blocks', (x, f) => {
        const b = c.obj(x, f);
        return {
          prefix: c.str(b.prefix, `${f}.prefix`),
          inChannels: c.count(b.inChannels, `${f}.inChannels`),
          outChannels: c.count(b.outChannels, `${f}.outChannels`),
          stride: c.count(b.stride, `${f}.stride`),
          groups: c.count(b.groups, `${f}.groups`),
          hasIdentity: c.bool(b.hasIdentity, `${f}.hasIdentity`),
        };
      }),
    },
    trainParams: c.count(o.trainParams, 'trainParams'),
    deployParams: c.count(o.deployParams, 'deployParams'),
    deployMacs: c.count(o.deployMacs, 'deployMacs'),
    inputResolution: c.count(o.inputResolution, 'inputResolution'),
    preprocessing: checkPreprocessing(c, o.preprocessing),
    equivalence: checkEquivalence(c, o.equivalence),
    files: checkFiles(c, o.files),
    provenance: c.obj(o.provenance, 'provenance'),
    ...(o.metrics === undefined ? {} : { metrics: validateBundleMetrics(o.metrics, source) }),
  };
}
