import type { Phase } from '../peer-transport';
import type { DecodedChunk } from './grpc-server';

export interface ExpectedSender {
  job: string;
  generation: number;
  rank: number;
  tokenMatches(token: string): boolean;
}

/**
 * Why a chunk arriving on the stream from `expected.rank` must be refused, or its phase when it is
 * acceptable. A stream was admitted for one generation; every message is still checked because a
 * peer that moved on (or an impostor) must not feed this generation.
 */
export function checkChunk(
  chunk: DecodedChunk,
  expected: ExpectedSender,
): { refused: string } | { phase: Phase } {
  if (chunk.job !== expected.job) {
    return { refused: `job "${chunk.job}" instead of "${expected.job}"` };
  }
  if (chunk.generation !== expected.generation) {
    return { refused: `generation ${chunk.generation} instead of ${expected.generation}` };
  }
  if (!expected.tokenMatches(chunk.token)) return { refused: 'bad generation token' };
  if (chunk.fromRank !== expected.rank) {
    return { refused: `sender claims rank ${chunk.fromRank} on rank ${expected.rank}'s stream` };
  }
  if (chunk.phase === undefined) return { refused: 'unknown phase' };
  return { phase: chunk.phase };
}
