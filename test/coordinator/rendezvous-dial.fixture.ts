/**
 * A worker's rendezvous dial in a process of its own (Node emits each deprecation once per process,
 * so a test process that dialled before would hide it): registers at `address` over TLS with the
 * files of `tlsDir` and reports every process warning and the outcome to the parent.
 */
import { tlsPathsIn } from '@repvgg/contracts/tls/tls-dir';
import { RendezvousClient } from '../../apps/worker/src/rendezvous.client';

const [address, tlsDir] = process.argv.slice(2) as [string, string];

const warnings: string[] = [];
process.on('warning', (w: Error & { code?: string }) => {
  warnings.push(`${w.code ?? w.name}: ${w.message}`);
});

const client = new RendezvousClient(address, undefined, tlsPathsIn(tlsDir));
void client
  .register({ address: '127.0.0.1:1', backend: 'cpu', capabilities: [] })
  .then(
    () => '',
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  )
  .then((error) => {
    client.close();
    // warnings are emitted on the next tick: let them land before reporting
    setImmediate(() => {
      process.send?.({ warnings, error }, () => process.exit(0));
    });
  });
