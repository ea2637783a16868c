import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { expandArch, type Architecture } from '../arch/arch-spec';
import { countMacs, countParams } from '../arch/cost';
import { archToJson, parseArchSpecJson } from '../arch/resolve-arch';
import { tf } from '../compute/tf';
import { reparameterize } from '../reparam/reparameterize';
import type { StateDict } from '../tensor/host-tensor';
import { decodeSafetensors, encodeSafetensors } from '../weights/safetensors.codec';
import { validateStateDict } from '../weights/state-dict-layout';
import {
  BundleEquivalenceError,
  BundleExistsError,
  BundleIntegrityError,
  BundleOptionsError,
  BundleReportError,
} from './bundle.error';
import { checkProbe, measureExportEquivalence, seededProbe, type ProbeBatch } from './bundle-probe';
import { isNonEmptyDir, publish } from './atomic-dir';
import { resolvePreprocessing } from './preprocessing';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_ONNX_FILE,
  BUNDLE_REPORT_FILE,
  BUNDLE_SAFETENSORS_FILE,
  BUNDLE_TFJS_FILE,
  validateBundleMetrics,
  validateBundleReport,
  type BundleFileEntry,
  type BundleMetrics,
  type BundleReport,
  type Preprocessing,
} from './bundle-report';
import type { EquivalenceResult } from './equivalence';
import { exportOnnx } from './onnx.export';
import { exportTfjs } from './tfjs.export';

const PROBE_BATCH = 2;
const PROBE_SEED = 0;

export interface WriteDeployBundleOptions {
  readonly arch: Architecture;
  /** Multi-branch weights in official keys (a `module.` prefix is accepted). */
  readonly trainSd: StateDict;
  readonly outDir: string;
  /** NCHW batch for the equivalence check; default 2 seeded N(0,1) images at cropSize². */
  readonly probeInput?: ProbeBatch;
  readonly preprocessing?: Partial<Preprocessing>;
  readonly provenance?: Readonly<Record<string, unknown>>;
  /** Held-out accuracy and training history, recorded as report.json's `metrics`. */
  readonly metrics?: BundleMetrics;
  /** Replace a non-empty outDir (atomically: the old bundle stays until the new one is complete). */
  readonly overwrite?: boolean;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function checkMetricsOption(metrics: BundleMetrics | undefined): BundleMetrics | undefined {
  if (metrics === undefined) return undefined;
  try {
    return validateBundleMetrics(metrics);
  } catch (e) {
    if (e instanceof BundleReportError) throw new BundleOptionsError(e.field, e.problem);
    throw e;
  }
}

/**
 * Fuses a training checkpoint and writes the deploy bundle: model.safetensors (deploy keys),
 * model.onnx, the tfjs GraphModel (model.json + shards) and report.json. The bundle is assembled in
 * a temporary sibling of outDir and renamed into place only after every export has been measured
 * against the multi-branch model; a failed check throws BundleEquivalenceError and writes nothing.
 */
export async function writeDeployBundle(opts: WriteDeployBundleOptions): Promise<BundleReport> {
  const { arch } = opts;
  const outDir = resolve(opts.outDir);
  const preprocessing = resolvePreprocessing(arch, opts.preprocessing);
  const probeSeed = opts.probeInput === undefined ? PROBE_SEED : null;
  const probe =
    opts.probeInput ??
    seededProbe(
      [PROBE_BATCH, arch.inputChannels, preprocessing.cropSize, preprocessing.cropSize],
      PROBE_SEED,
    );
  checkProbe(arch, probe);
  const metrics = checkMetricsOption(opts.metrics);
  const existing = await isNonEmptyDir(outDir);
  if (existing === true && opts.overwrite !== true) throw new BundleExistsError(outDir);

  const trainSd = validateStateDict(arch, opts.trainSd, 'train');
  const deploySd = reparameterize(arch, trainSd);
  const provenance = opts.provenance ?? {};
  const codeVersion =
    typeof provenance.codeVersion === 'string' ? provenance.codeVersion : undefined;

  await mkdir(dirname(outDir), { recursive: true });
  const tmp = join(dirname(outDir), `.${basename(outDir)}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(tmp);
  try {
    const safetensors = encodeSafetensors(deploySd, {
      format: 'pt',
      kind: 'deploy',
      architecture: arch.spec.name,
      numClasses: String(arch.head.numClasses),
    });
    await writeFile(join(tmp, BUNDLE_SAFETENSORS_FILE), safetensors);
    const onnx = exportOnnx(
      arch,
      deploySd,
      codeVersion === undefined ? {} : { producerVersion: codeVersion },
    );
    await writeFile(join(tmp, BUNDLE_ONNX_FILE), onnx);
    await exportTfjs(arch, deploySd, tmp);

    const measured = await measureExportEquivalence(
      arch,
      trainSd,
      deploySd,
      onnx,
      join(tmp, BUNDLE_TFJS_FILE),
      probe,
    );
    const failures: Record<string, EquivalenceResult> = {};
    for (const exported of ['fused', 'onnx', 'tfjs'] as const) {
      if (!measured[exported].pass) failures[exported] = measured[exported];
    }
    if (Object.keys(failures).length > 0) throw new BundleEquivalenceError(failures);

    const files: Record<string, BundleFileEntry> = {};
    for (const name of (await readdir(tmp)).sort()) {
      const bytes = await readFile(join(tmp, name));
      files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
    }
    const report = validateBundleReport({
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      architecture: {
        spec: archToJson(arch),
        blocks: arch.blocks.map(
          ({ prefix, inChannels, outChannels, stride, groups, hasIdentity }) => ({
            prefix,
            inChannels,
            outChannels,
            stride,
            groups,
            hasIdentity,
          }),
        ),
      },
      trainParams: countParams(arch, 'train'),
      deployParams: countParams(arch, 'deploy'),
      deployMacs: countMacs(arch, preprocessing.cropSize, 'deploy'),
      inputResolution: preprocessing.cropSize,
      preprocessing,
      equivalence: {
        backend: tf.getBackend(),
        probe: { shape: [...probe.shape], seed: probeSeed },
        ...measured,
        pass: true,
      },
      files,
      provenance,
      ...(metrics === undefined ? {} : { metrics }),
    });
    await writeFile(join(tmp, BUNDLE_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    await publish(tmp, outDir, existing);
    return report;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export interface DeployBundle {
  readonly report: BundleReport;
  readonly arch: Architecture;
  /** Fused weights in official deploy keys, checked against the architecture. */
  readonly deploySd: StateDict;
}

/** Reads a deploy bundle, verifying every file's sha256 against report.json. */
export async function readBundle(dir: string): Promise<DeployBundle> {
  const reportPath = join(dir, BUNDLE_REPORT_FILE);
  let text: string;
  try {
    text = await readFile(reportPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BundleIntegrityError(
        dir,
        BUNDLE_REPORT_FILE,
        'is missing: this is not a deploy bundle',
      );
    }
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BundleReportError(reportPath, 'the file', `is not JSON (${(e as Error).message})`);
  }
  const report = validateBundleReport(parsed, reportPath);

  const contents = new Map<string, Buffer>();
  for (const [name, entry] of Object.entries(report.files)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new BundleIntegrityError(dir, name, 'is missing');
      throw e;
    }
    const actual = sha256(bytes);
    if (bytes.byteLength !== entry.bytes || actual !== entry.sha256) {
      throw new BundleIntegrityError(
        dir,
        name,
        `is corrupt (sha256 ${actual.slice(0, 12)}…, ${bytes.byteLength} bytes; report.json says ${entry.sha256.slice(0, 12)}…, ${entry.bytes} bytes)`,
      );
    }
    contents.set(name, bytes);
  }

  const { spec } = report.architecture;
  const arch = expandArch(parseArchSpecJson(JSON.stringify(spec), spec.name), spec.inputChannels);
  const safetensors = contents.get(BUNDLE_SAFETENSORS_FILE) ?? Buffer.alloc(0);
  const deploySd = validateStateDict(arch, decodeSafetensors(safetensors).tensors, 'deploy');
  return { report, arch, deploySd };
}
