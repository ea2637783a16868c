import { describe, expect, it } from 'vitest';
import { f32, resolveArch } from '@repvgg/core';
import { StateDictMismatchError } from '@repvgg/core/weights/state-dict.error';
import { exportOnnx } from '@repvgg/core/export/onnx.export';
import { OnnxModelProto } from '@repvgg/core/export/onnx.proto';
import { runOnnx } from '@repvgg/core/export/onnx.runtime';
import { maxAbs, maxAbsDiff } from '../repvgg/naive-repvgg';
import { referenceDeployForward } from './deploy-reference';
import { randomDeployStateDict, randomNchw, TINY, TINY_GROUPED } from './fixtures';

interface Decoded {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  metadata_props: { key: string; value: string }[];
  graph: {
    node: { op_type: string; attribute?: { name: string; i?: number; ints?: number[] }[] }[];
    initializer: { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }[];
    input: { name: string; type: { tensor_type: { shape: { dim: object[] } } } }[];
    output: { name: string; type: { tensor_type: { shape: { dim: object[] } } } }[];
  };
}

const decode = (bytes: Uint8Array): Decoded =>
  OnnxModelProto.toObject(OnnxModelProto.decode(bytes), {
    longs: Number,
    defaults: false,
  }) as Decoded;

describe('exportOnnx', () => {
  it('writes an IR 8 / opset 13 Conv+Relu chain with symbolic N, H, W and metadata', () => {
    const model = decode(exportOnnx(TINY_GROUPED, randomDeployStateDict(TINY_GROUPED, 1)));
    expect(model.ir_version).toBe(8);
    expect(model.opset_import).toEqual([{ domain: '', version: 13 }]);
    expect(model.producer_name).toBe('repvgg-dist');
    expect(model.metadata_props).toEqual(
      expect.arrayContaining([
        { key: 'architecture', value: 'tiny-g' },
        { key: 'num_classes', value: '5' },
      ]),
    );
    const ops = model.graph.node.map((n) => n.op_type);
    const blocks = TINY_GROUPED.blocks.length;
    expect(ops).toEqual([
      ...Array.from({ length: blocks }, () => ['Conv', 'Relu']).flat(),
      'GlobalAveragePool',
      'Flatten',
      'Gemm',
    ]);
    const groups = model.graph.node
      .filter((n) => n.op_type === 'Conv')
      .map((n) => n.attribute?.find((a) => a.name === 'group')?.i);
    expect(groups).toEqual(TINY_GROUPED.blocks.map((b) => b.groups));
    expect(model.graph.input[0]?.name).toBe('input');
    expect(model.graph.input[0]?.type.tensor_type.shape.dim).toEqual([
      { dim_param: 'N' },
      { dim_value: 3 },
      { dim_param: 'H' },
      { dim_param: 'W' },
    ]);
    expect(model.graph.output[0]?.name).toBe('logits');
    expect(model.graph.output[0]?.type.tensor_type.shape.dim).toEqual([
      { dim_param: 'N' },
      { dim_value: 5 },
    ]);
    const w = model.graph.initializer.find((t) => t.name === 'stage1.1.rbr_reparam.weight');
    expect(w?.dims).toEqual([16, 8, 3, 3]);
    expect(w?.raw_data.byteLength).toBe(16 * 8 * 9 * 4);
  });

  it.each([
    ['plain', TINY, [2, 3, 32, 32]],
    ['grouped', TINY_GROUPED, [2, 3, 32, 32]],
    ['grouped, odd non-square input', TINY_GROUPED, [3, 3, 21, 18]],
  ] as const)(
    'runs in onnxruntime and matches a float64 reference forward (%s)',
    async (_label, arch, shape) => {
      const sd = randomDeployStateDict(arch, 7);
      const input = randomNchw(shape, 11);
      const expected = referenceDeployForward(arch, sd, input);
      const out = await runOnnx(exportOnnx(arch, sd), input);
      expect(out.shape).toEqual([shape[0], arch.head.numClasses]);
      expect(maxAbs(expected)).toBeGreaterThan(0.1);
      expect(maxAbsDiff(expected, out.data)).toBeLessThanOrEqual(1e-5 * maxAbs(expected));
    },
  );

  it('runs RepVGG-A0 (1000 classes) in onnxruntime like the reference at 32²', async () => {
    const a0 = resolveArch({ arch: 'RepVGG-A0' });
    const sd = randomDeployStateDict(a0, 2);
    const input = randomNchw([1, 3, 32, 32], 4);
    const expected = referenceDeployForward(a0, sd, input);
    const out = await runOnnx(exportOnnx(a0, sd), input);
    expect(out.shape).toEqual([1, 1000]);
    expect(maxAbsDiff(expected, out.data)).toBeLessThanOrEqual(1e-5 * maxAbs(expected));
  });

  it('refuses a deploy state dict that does not fit the architecture', () => {
    const sd = randomDeployStateDict(TINY, 1);
    sd.set('stage2.0.rbr_reparam.bias', f32([31]));
    expect(() => exportOnnx(TINY, sd)).toThrow(StateDictMismatchError);
  });
});
