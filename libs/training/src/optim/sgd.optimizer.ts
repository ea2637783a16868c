import { takesWeightDecay } from './weight-decay.policy';

export interface SgdConfig {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

/** The paper's recipe: momentum 0.9, weight decay 1e-4, no Nesterov. */
export const PAPER_SGD: SgdConfig = { momentum: 0.9, weightDecay: 1e-4, nesterov: false };

/**
 * SGD with momentum in PyTorch's convention (`buf = m·buf + g`, `p -= lr·buf`, or with Nesterov
 * `p -= lr·(g + m·buf)`), weight decay added to the gradient before momentum. State lives in host
 * Float32Arrays so every replica and a resumed run apply the very same float operations.
 */
export class SgdOptimizer {
  private readonly buffers = new Map<string, Float32Array>();

  constructor(readonly config: SgdConfig) {}

  step(
    params: ReadonlyMap<string, Float32Array>,
    grads: ReadonlyMap<string, Float32Array>,
    lr: number,
  ): void {
    const { momentum, nesterov } = this.config;
    for (const [key, p] of params) {
      const g = grads.get(key);
      if (g?.length !== p.length) {
        throw new MissingGradientError(key, p.length, g?.length);
      }
      const wd = takesWeightDecay(key) ? this.config.weightDecay : 0;
      let buf = this.buffers.get(key);
      const first = buf === undefined;
      if (buf === undefined) {
        buf = new Float32Array(p.length);
        this.buffers.set(key, buf);
      }
      for (let i = 0; i < p.length; i++) {
        const pi = p[i];
        const d = Math.fround(g[i] + wd * pi);
        let b = d;
        if (momentum !== 0) {
          b = first ? d : Math.fround(momentum * buf[i] + d);
          buf[i] = b;
        }
        const update = nesterov ? Math.fround(d + momentum * b) : b;
        p[i] = pi - lr * update;
      }
    }
  }

  /** Momentum buffers by parameter key (absent until the first step). */
  state(): ReadonlyMap<string, Float32Array> {
    return this.buffers;
  }

  loadState(buffers: ReadonlyMap<string, Float32Array>): void {
    this.buffers.clear();
    for (const [key, b] of buffers) this.buffers.set(key, Float32Array.from(b));
  }
}

export class MissingGradientError extends Error {
  constructor(key: string, expected: number, got: number | undefined) {
    super(
      `no gradient of ${expected} values for parameter ${key} (got ${got ?? 'none'}): the gradient ` +
        `packet must come from the same architecture as the weights`,
    );
    this.name = 'MissingGradientError';
  }
}
