import * as grpc from '@grpc/grpc-js';
import { PeerTimeoutError } from '../collective.error';
import type { MembershipMessage, PingReply } from './collective.messages';
import { COLLECTIVE_SERVICE } from './grpc-server';

/** Part of every deadline kept for pinging the peers, so the whole failure fits in the deadline. */
export const probeBudget = (timeoutMs: number): number =>
  Math.min(1_500, Math.max(100, Math.floor(timeoutMs * 0.2)));

/** Statuses that mean nobody answered (as opposed to a refusal, which proves the peer is alive). */
export const isGone = (code: grpc.status): boolean =>
  code === grpc.status.UNAVAILABLE ||
  code === grpc.status.DEADLINE_EXCEEDED ||
  code === grpc.status.CANCELLED;

export type PingOutcome = { reply: PingReply } | { error: grpc.ServiceError };

/** One `Ping` call with a deadline of `budgetMs`. */
export function callPing(
  client: grpc.Client,
  membership: MembershipMessage,
  budgetMs: number,
): Promise<PingOutcome> {
  const { path, requestSerialize, responseDeserialize } = COLLECTIVE_SERVICE.ping;
  return new Promise((resolve) => {
    client.makeUnaryRequest<MembershipMessage, PingReply>(
      path,
      requestSerialize,
      responseDeserialize,
      membership,
      { deadline: Date.now() + budgetMs },
      (error, reply) => {
        resolve(error === null && reply !== undefined ? { reply } : { error: error ?? fallback() });
      },
    );
  });
}

const fallback = (): grpc.ServiceError =>
  Object.assign(new Error('empty Ping reply'), {
    code: grpc.status.UNKNOWN,
    details: 'empty Ping reply',
    metadata: new grpc.Metadata(),
  });

/**
 * A deadline passed waiting on `suspect`. Ping every peer: the ones that do not answer are missing.
 * If all answer, the suspect is alive but stuck, and is named.
 */
export async function nameMissing(
  self: number,
  worldSize: number,
  suspect: number,
  timeoutMs: number,
  alive: (rank: number) => Promise<boolean>,
): Promise<PeerTimeoutError> {
  const peers = Array.from({ length: worldSize }, (_, r) => r).filter((r) => r !== self);
  const answers = await Promise.all(peers.map(alive));
  const missing = peers.filter((_, i) => !answers[i]);
  return new PeerTimeoutError(missing.length > 0 ? missing : [suspect], timeoutMs);
}

/** Whether `client`'s peer answers a ping in time (a refusal counts as alive). */
export const answersPing = async (
  client: grpc.Client,
  membership: MembershipMessage,
  budgetMs: number,
): Promise<boolean> => {
  const outcome = await callPing(client, membership, budgetMs);
  return 'reply' in outcome || !isGone(outcome.error.code);
};
