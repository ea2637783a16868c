/** A kernel this code builds on is missing from a backend (a tfjs version without it). */
export class KernelUnavailableError extends Error {
  constructor(kernelName: string, backendName: string) {
    super(
      `the ${backendName} backend has no ${kernelName} kernel; install the @tensorflow/tfjs-backend-${backendName} version in package.json`,
    );
    this.name = 'KernelUnavailableError';
  }
}

/** A convolution outside what our kernels implement (they cover NHWC, dilation 1). */
export class UnsupportedConvError extends Error {
  constructor(what: string) {
    super(
      `our wasm Conv2DBackpropFilter does not support ${what}; use NHWC inputs with dilation 1`,
    );
    this.name = 'UnsupportedConvError';
  }
}
