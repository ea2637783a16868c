import type { Architecture } from '../arch/arch-spec';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { validateStateDict } from '../weights/state-dict-layout';
import { float32LeBytes } from './little-endian';
import { ONNX_ATTR_INT, ONNX_ATTR_INTS, ONNX_FLOAT, OnnxModelProto } from './onnx.proto';

/** Opset 13 has every op used here; IR 8 (ONNX 1.10) is read by every current runtime. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'logits';

export interface ExportOnnxOptions {
  /** Written as producer_version; the bundle passes the code version. */
  readonly producerVersion?: string;
  /** Extra metadata_props (architecture name and class count are always written). */
  readonly metadata?: Readonly<Record<string, string>>;
}

const ints = (name: string, values: readonly number[]): object => ({
  name,
  type: ONNX_ATTR_INTS,
  ints: values,
});
const int = (name: string, value: number): object => ({ name, type: ONNX_ATTR_INT, i: value });

const initializer = (name: string, sd: StateDict): object => {
  const tensor = sd.get(name);
  return {
    name,
    dims: tensor?.shape ?? [],
    data_type: ONNX_FLOAT,
    raw_data: float32LeBytes(floatData(sd, name)),
  };
};

const tensorValueInfo = (name: string, dims: readonly (number | string)[]): object => ({
  name,
  type: {
    tensor_type: {
      elem_type: ONNX_FLOAT,
      shape: {
        dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })),
      },
    },
  },
});

/**
 * The fused deploy model as an ONNX ModelProto: `input` float32 [N, C, H, W] (N, H, W symbolic),
 * one Conv(3×3, pads 1, bias) + Relu per block, GlobalAveragePool, Flatten, Gemm(transB) → `logits`.
 * Weights are the deploy state dict's OIHW tensors unchanged, so they match official PyTorch exports.
 */
export function exportOnnx(
  arch: Architecture,
  deploySd: StateDict,
  opts: ExportOnnxOptions = {},
): Uint8Array {
  const sd = validateStateDict(arch, deploySd, 'deploy');
  const nodes: object[] = [];
  const initializers: object[] = [];
  let x = ONNX_INPUT_NAME;
  for (const b of arch.blocks) {
    const w = `${b.prefix}.rbr_reparam.weight`;
    const bias = `${b.prefix}.rbr_reparam.bias`;
    initializers.push(initializer(w, sd), initializer(bias, sd));
    const conv = `${b.prefix}.conv`;
    const relu = `${b.prefix}.relu`;
    nodes.push({
      name: conv,
      op_type: 'Conv',
      input: [x, w, bias],
      output: [conv],
      attribute: [
        ints('dilations', [1, 1]),
        int('group', b.groups),
        ints('kernel_shape', [3, 3]),
        ints('pads', [1, 1, 1, 1]),
        ints('strides', [b.stride, b.stride]),
      ],
    });
    nodes.push({ name: relu, op_type: 'Relu', input: [conv], output: [relu] });
    x = relu;
  }
  initializers.push(initializer('linear.weight', sd), initializer('linear.bias', sd));
  nodes.push(
    { name: 'gap', op_type: 'GlobalAveragePool', input: [x], output: ['gap'] },
    {
      name: 'flatten',
      op_type: 'Flatten',
      input: ['gap'],
      output: ['flatten'],
      attribute: [int('axis', 1)],
    },
    {
      name: 'linear',
      op_type: 'Gemm',
      input: ['flatten', 'linear.weight', 'linear.bias'],
      output: [ONNX_OUTPUT_NAME],
      attribute: [int('transB', 1)],
    },
  );
  const model = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'repvgg-dist',
    producer_version: opts.producerVersion ?? 'unversioned',
    model_version: 1,
    doc_string: `${arch.spec.name} fused (re-parameterized) deploy model`,
    graph: {
      name: arch.spec.name,
      node: nodes,
      initializer: initializers,
      input: [tensorValueInfo(ONNX_INPUT_NAME, ['N', arch.inputChannels, 'H', 'W'])],
      output: [tensorValueInfo(ONNX_OUTPUT_NAME, ['N', arch.head.numClasses])],
    },
    metadata_props: Object.entries({
      ...opts.metadata,
      architecture: arch.spec.name,
      num_classes: String(arch.head.numClasses),
    }).map(([key, value]) => ({ key, value })),
  };
  return OnnxModelProto.encode(OnnxModelProto.fromObject(model)).finish();
}
