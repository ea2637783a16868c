import { once } from 'node:events';
import { connect } from 'node:net';

/**
 * What a port sends a plaintext HTTP/2 client (the connection preface and an empty SETTINGS frame)
 * before it closes the connection. A plaintext gRPC server answers with its own SETTINGS frame; a
 * TLS one sends nothing, or a TLS alert record (first byte 0x15), and closes.
 */
export async function plaintextHttp2Answer(host: string, port: number): Promise<Buffer> {
  const socket = connect(port, host);
  socket.write(
    Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
    ]),
  );
  const received: Buffer[] = [];
  socket.on('data', (b: Buffer) => received.push(b));
  socket.on('error', () => undefined);
  await once(socket, 'close');
  return Buffer.concat(received);
}

/** True for what a TLS-only port sends a plaintext client: nothing, or a TLS alert. */
export const onlyTlsAnswered = (bytes: Buffer): boolean => bytes.length === 0 || bytes[0] === 0x15;
