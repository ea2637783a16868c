import { describe, expect, it } from 'vitest';
import { PeerTimeoutError, TransportClosedError } from './collective.error';
import { Mailbox } from './mailbox';

describe('Mailbox', () => {
  const never = (): Promise<Error> => Promise.resolve(new PeerTimeoutError([9], 1));

  it('matches early and late arrivals by key', async () => {
    const box = new Mailbox();
    box.deliver('a', new Uint8Array([1]));
    expect(await box.take('a', 1000, never)).toEqual(new Uint8Array([1]));
    const later = box.take('b', 1000, never);
    box.deliver('b', new Uint8Array([2]));
    expect(await later).toEqual(new Uint8Array([2]));
    expect(box.pendingArrivals).toBe(0);
  });

  it('times out with the error the transport chooses, and fails everything on close', async () => {
    const box = new Mailbox();
    await expect(box.take('x', 5, never)).rejects.toBeInstanceOf(PeerTimeoutError);
    const pending = box.take('y', 10_000, never);
    box.close();
    await expect(pending).rejects.toBeInstanceOf(TransportClosedError);
    await expect(box.take('z', 10_000, never)).rejects.toBeInstanceOf(TransportClosedError);
  });
});
