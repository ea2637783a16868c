// Original file: proto/rendezvous.proto

export interface RegisterRequest {
  /**
   * host:port of the worker's Collective service.
   */
  address?: string;
  capabilities?: string[];
  /**
   * tfjs backend in use: tensorflow, wasm or cpu.
   */
  backend?: string;
}

export interface RegisterRequest__Output {
  /**
   * host:port of the worker's Collective service.
   */
  address: string;
  capabilities: string[];
  /**
   * tfjs backend in use: tensorflow, wasm or cpu.
   */
  backend: string;
}
