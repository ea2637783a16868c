import * as grpc from '@grpc/grpc-js';
import type { RendezvousHandlers } from '@repvgg/contracts';
import { BearerTokens } from '../http/bearer-tokens';

/** The metadata key a worker sends its token in, as `Bearer <token>`. */
export const WORKER_TOKEN_METADATA = 'authorization';

interface Call {
  readonly metadata: grpc.Metadata;
  getPeer(): string;
  emit(event: 'error', err: Error): boolean;
}
type Handler = (call: Call, cb?: (err: grpc.ServiceError) => void) => void;

function refusal(metadata: grpc.Metadata, accepted: BearerTokens): string | undefined {
  const value = metadata.get(WORKER_TOKEN_METADATA)[0];
  const token = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1] : undefined;
  if (token === undefined) return 'no worker token';
  return accepted.accepts(token) ? undefined : 'a worker token this coordinator does not accept';
}

/**
 * Checks the worker token on every rendezvous call — not only Register: worker ids and generation tokens are
 * not secrets enough to stand in for it. A refusal answers UNAUTHENTICATED and logs the call and the peer, never
 * the token. Without tokens configured the handlers are returned as they are.
 */
export function guardWorkerTokens(
  handlers: RendezvousHandlers,
  tokens: readonly string[],
  log: (line: string) => void,
): RendezvousHandlers {
  if (tokens.length === 0) return handlers;
  const accepted = new BearerTokens(tokens);
  const guarded = Object.entries(handlers as unknown as Record<string, Handler>).map(
    ([method, handler]): [string, Handler] => [
      method,
      (call, cb) => {
        const reason = refusal(call.metadata, accepted);
        if (reason === undefined) {
          handler(call, cb);
          return;
        }
        log(`refused rendezvous ${method} from ${call.getPeer()}: ${reason}`);
        const err: grpc.ServiceError = Object.assign(new Error(reason), {
          code: grpc.status.UNAUTHENTICATED,
          details: reason,
          metadata: new grpc.Metadata(),
        });
        // A server stream sends its status on 'error' (then end); destroy() would end it with none.
        if (cb === undefined) call.emit('error', err);
        else cb(err);
      },
    ],
  );
  return Object.fromEntries(guarded) as unknown as RendezvousHandlers;
}
