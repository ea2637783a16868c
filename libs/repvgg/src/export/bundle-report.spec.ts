import { describe, expect, it } from 'vitest';
import { BundleReportError } from './bundle.error';
import { validateBundleReport } from './bundle-report';

const result = { maxAbsDiff: 1e-6, maxAbs: 3, relative: 3.3e-7, bound: 1e-4, pass: true };
const entry = { bytes: 10, sha256: 'ab'.repeat(32) };

type Json = Record<string, unknown>;

const validReport = (): Json => ({
  format: 'repvgg-deploy-bundle',
  formatVersion: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  architecture: {
    spec: {
      name: 'tiny',
      numBlocks: [1, 1, 1, 1],
      widthMultiplier: [0.25, 0.25, 0.25, 0.25],
      overrideGroupsMap: { '2': 2 },
      numClasses: 5,
      inputChannels: 3,
      stageWidths: [16, 16, 32, 64, 128],
    },
    blocks: [
      {
        prefix: 'stage0',
        inChannels: 3,
        outChannels: 16,
        stride: 2,
        groups: 1,
        hasIdentity: false,
      },
    ],
  },
  trainParams: 100,
  deployParams: 90,
  deployMacs: 1000,
  inputResolution: 32,
  preprocessing: {
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
    resize: 36,
    cropSize: 32,
    classNames: null,
  },
  equivalence: {
    backend: 'cpu',
    probe: { shape: [2, 3, 32, 32], seed: 0 },
    fused: { ...result },
    onnx: { ...result },
    tfjs: { ...result },
    pass: true,
  },
  files: {
    'model.safetensors': { ...entry },
    'model.onnx': { ...entry },
    'model.json': { ...entry },
    'group1-shard1of1.bin': { ...entry },
  },
  provenance: { codeVersion: '0.1.0' },
});

/** The object at a dotted path of a report (array indices are keys too). */
const at = (r: Json, path: string): Json => path.split('.').reduce<Json>((o, k) => o[k] as Json, r);

const failure = (mutate: (r: Json) => void): BundleReportError => {
  const r = validReport();
  mutate(r);
  try {
    validateBundleReport(JSON.parse(JSON.stringify(r)), 'x/report.json');
  } catch (e) {
    if (e instanceof BundleReportError) return e;
    throw e;
  }
  throw new Error('the report was accepted');
};

describe('validateBundleReport', () => {
  it('accepts a complete report and returns it unchanged', () => {
    const r = validReport();
    expect(validateBundleReport(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('keeps optional metrics with their nested per-epoch groups', () => {
    const r = validReport();
    r.metrics = {
      split: null,
      top1: null,
      top5: null,
      decodeFailures: 0,
      history: [{ epoch: 0, trainLoss: 2.5, val: { top1: 0.2, images: 10 } }],
    };
    expect(validateBundleReport(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('names the offending metrics field', () => {
    const withMetrics = (r: Json): Json => {
      r.metrics = {
        split: 'val',
        top1: 0.5,
        top5: 0.9,
        history: [{ epoch: 0, val: { top1: 0.5 } }],
      };
      return r.metrics as Json;
    };
    expect(failure((r) => (withMetrics(r).top1 = 1.5)).field).toBe('metrics.top1');
    expect(failure((r) => (withMetrics(r).split = 3)).field).toBe('metrics.split');
    expect(failure((r) => delete withMetrics(r).history).field).toBe('metrics.history');
    expect(failure((r) => (withMetrics(r).decodeFailures = -1)).field).toBe(
      'metrics.decodeFailures',
    );
    expect(failure((r) => (at(withMetrics(r), 'history.0.val').top1 = 'high')).field).toBe(
      'metrics.history[0].val.top1',
    );
    expect(failure((r) => (at(withMetrics(r), 'history.0').epoch = null)).field).toBe(
      'metrics.history[0].epoch',
    );
  });

  it('names the offending field', () => {
    expect(failure((r) => (r.format = 'other')).field).toBe('format');
    expect(failure((r) => (r.formatVersion = 2)).field).toBe('formatVersion');
    expect(failure((r) => delete r.deployMacs).field).toBe('deployMacs');
    expect(failure((r) => (r.trainParams = 1.5)).field).toBe('trainParams');
    expect(failure((r) => (at(r, 'equivalence.onnx').maxAbsDiff = null)).field).toBe(
      'equivalence.onnx.maxAbsDiff',
    );
    expect(failure((r) => (at(r, 'preprocessing').classNames = ['a', 3])).field).toBe(
      'preprocessing.classNames[1]',
    );
    expect(failure((r) => (at(r, 'architecture.blocks.0').groups = '1')).field).toBe(
      'architecture.blocks[0].groups',
    );
    expect(failure((r) => ((at(r, 'files')['model.onnx'] as Json).sha256 = 'xyz')).field).toBe(
      'files["model.onnx"].sha256',
    );
  });

  it('requires the three model files and refuses names that could leave the bundle directory', () => {
    expect(failure((r) => delete at(r, 'files')['model.onnx']).message).toContain(
      'does not list model.onnx',
    );
    expect(failure((r) => (at(r, 'files')['../etc/passwd'] = entry)).field).toBe(
      'files["../etc/passwd"]',
    );
    expect(failure((r) => (at(r, 'files')['.hidden'] = entry)).field).toBe('files[".hidden"]');
  });

  it('puts the file and a remedy in the message', () => {
    expect(failure((r) => (r.inputResolution = -1)).message).toBe(
      'x/report.json: inputResolution is not a non-negative integer; re-create the bundle with `repvgg convert`',
    );
  });
});
