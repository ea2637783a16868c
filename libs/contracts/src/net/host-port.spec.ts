import { describe, expect, it } from 'vitest';
import { hostOf } from './host-port';

// dialTls (tls/ip-address-dial.ts): test/coordinator/rendezvous-tls.test.ts (a real TLS dial, certificates from openssl)
describe('hostOf', () => {
  it.each([
    ['127.0.0.1:50051', '127.0.0.1'],
    ['repvgg-coordinator:50051', 'repvgg-coordinator'],
    ['[::1]:50051', '::1'],
    ['::1', '::1'],
    ['localhost', 'localhost'],
  ])('%s → %s', (address, host) => {
    expect(hostOf(address)).toBe(host);
  });
});
