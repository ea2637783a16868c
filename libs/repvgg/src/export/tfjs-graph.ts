import type { Architecture, BlockSpec } from '../arch/arch-spec';
import { oihwToHwio } from '../graph/layout';
import { floatData, type StateDict } from '../tensor/host-tensor';

/** A TensorFlow NodeDef in the JSON form tfjs-converter writes into `model.json`. */
export interface TfNodeJson {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, object>>;
}

export interface TfWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
}

export interface TfGraph {
  readonly nodes: readonly TfNodeJson[];
  /** In manifest order: the shards are these tensors' bytes concatenated. */
  readonly weights: readonly TfWeight[];
}

export const TFJS_INPUT_NAME = 'input';
export const TFJS_OUTPUT_NAME = 'logits';

const CHANNEL_AXIS = 'const/channel_axis';
const SPATIAL_AXES = 'const/spatial_axes';

const dtFloat = { type: 'DT_FLOAT' };
const ints = (values: readonly number[]): object => ({ list: { i: values.map(String) } });
const str = (value: string): object => ({ s: Buffer.from(value).toString('base64') });
const shapeAttr = (dims: readonly number[]): object => ({
  dim: dims.map((d) => ({ size: String(d) })),
});

const constNode = (w: TfWeight): TfNodeJson => {
  const dtype = w.dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
  return {
    name: w.name,
    op: 'Const',
    attr: { value: { tensor: { dtype, tensorShape: shapeAttr(w.shape) } }, dtype: { type: dtype } },
  };
};

const conv2d = (name: string, x: string, kernel: string, stride: number): TfNodeJson => ({
  name,
  op: 'Conv2D',
  input: [x, kernel],
  attr: {
    T: dtFloat,
    strides: ints([1, stride, stride, 1]),
    // PyTorch pads 1 on each side; TF 'SAME' at stride 2 would pad 0 before and 1 after.
    padding: str('EXPLICIT'),
    explicit_paddings: ints([0, 0, 1, 1, 1, 1, 0, 0]),
    data_format: str('NHWC'),
    dilations: ints([1, 1, 1, 1]),
    use_cudnn_on_gpu: { b: true },
  },
});

/**
 * tfjs has no grouped convolution: split input and kernel along channels, convolve each group,
 * concatenate. Exact, and the kernel stays one tensor in the official [3,3,Cin/g,Cout] layout.
 */
function groupedConv(b: BlockSpec, x: string, kernel: string): TfNodeJson[] {
  const g = b.groups;
  const xs = `${b.prefix}/input_split`;
  const ks = `${b.prefix}/kernel_split`;
  const split = (name: string, value: string): TfNodeJson => ({
    name,
    op: 'Split',
    input: [CHANNEL_AXIS, value],
    attr: { T: dtFloat, num_split: { i: String(g) } },
  });
  const convs = Array.from({ length: g }, (_, i) =>
    conv2d(`${b.prefix}/conv_g${i}`, `${xs}:${i}`, `${ks}:${i}`, b.stride),
  );
  return [
    split(xs, x),
    split(ks, kernel),
    ...convs,
    {
      name: `${b.prefix}/conv`,
      op: 'ConcatV2',
      input: [...convs.map((c) => c.name), CHANNEL_AXIS],
      attr: { T: dtFloat, N: { i: String(g) }, Tidx: { type: 'DT_INT32' } },
    },
  ];
}

/**
 * The fused deploy model as a TensorFlow graph (the tfjs GraphModel format): NHWC `input`
 * [N, H, W, C] with dynamic N/H/W, Conv2D (explicit padding 1) + BiasAdd + Relu per block, Mean over
 * H and W, MatMul with the [classes, C] linear weight transposed, BiasAdd → `logits`.
 */
export function buildTfGraph(arch: Architecture, sd: StateDict): TfGraph {
  // A GraphModel's outputs are the nodes nothing consumes: add the channel axis only if used.
  const weights: TfWeight[] = [
    ...(arch.blocks.some((b) => b.groups > 1)
      ? [{ name: CHANNEL_AXIS, shape: [], dtype: 'int32', data: Int32Array.of(3) } as const]
      : []),
    { name: SPATIAL_AXES, shape: [2], dtype: 'int32', data: Int32Array.of(1, 2) },
  ];
  const ops: TfNodeJson[] = [
    {
      name: TFJS_INPUT_NAME,
      op: 'Placeholder',
      attr: { dtype: dtFloat, shape: { shape: shapeAttr([-1, -1, -1, arch.inputChannels]) } },
    },
  ];
  let x = TFJS_INPUT_NAME;
  for (const b of arch.blocks) {
    const kernel = `${b.prefix}.rbr_reparam.weight`;
    const bias = `${b.prefix}.rbr_reparam.bias`;
    const hwio = oihwToHwio({
      shape: [b.outChannels, b.inChannels / b.groups, 3, 3],
      data: floatData(sd, kernel),
    });
    weights.push(
      { name: kernel, shape: hwio.shape, dtype: 'float32', data: hwio.data },
      { name: bias, shape: [b.outChannels], dtype: 'float32', data: floatData(sd, bias) },
    );
    const conv =
      b.groups === 1
        ? [conv2d(`${b.prefix}/conv`, x, kernel, b.stride)]
        : groupedConv(b, x, kernel);
    ops.push(
      ...conv,
      {
        name: `${b.prefix}/bias_add`,
        op: 'BiasAdd',
        input: [`${b.prefix}/conv`, bias],
        attr: { T: dtFloat, data_format: str('NHWC') },
      },
      {
        name: `${b.prefix}/relu`,
        op: 'Relu',
        input: [`${b.prefix}/bias_add`],
        attr: { T: dtFloat },
      },
    );
    x = `${b.prefix}/relu`;
  }
  const { inFeatures, numClasses } = arch.head;
  weights.push(
    {
      name: 'linear.weight',
      shape: [numClasses, inFeatures],
      dtype: 'float32',
      data: floatData(sd, 'linear.weight'),
    },
    {
      name: 'linear.bias',
      shape: [numClasses],
      dtype: 'float32',
      data: floatData(sd, 'linear.bias'),
    },
  );
  ops.push(
    {
      name: 'head/mean',
      op: 'Mean',
      input: [x, SPATIAL_AXES],
      attr: { T: dtFloat, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } },
    },
    {
      name: 'head/matmul',
      op: 'MatMul',
      input: ['head/mean', 'linear.weight'],
      attr: { T: dtFloat, transpose_a: { b: false }, transpose_b: { b: true } },
    },
    {
      name: TFJS_OUTPUT_NAME,
      op: 'BiasAdd',
      input: ['head/matmul', 'linear.bias'],
      attr: { T: dtFloat, data_format: str('NHWC') },
    },
  );
  return { nodes: [...weights.map(constNode), ...ops], weights };
}
