import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  decodeChunk,
  decodeMembership,
  decodePingReply,
  encodeChunk,
  encodeMembership,
  encodePingReply,
} from './collective.messages';

const proto = protobuf.loadSync(join(__dirname, '../../../contracts/proto/collective.proto'));
const Chunk = proto.lookupType('repvgg.collective.v1.Chunk');
const PullRequest = proto.lookupType('repvgg.collective.v1.PullRequest');

describe('collective messages match collective.proto', () => {
  it('a chunk encoded by hand decodes with protobufjs, and back', () => {
    for (const bytes of [0, 1, 3, 127, 128, 4096, 70_001]) {
      const payload = new Uint8Array(bytes).map((_, i) => i % 251);
      const encoded = encodeChunk({
        job: 'job-ä',
        generation: 2 ** 40 + 3,
        step: 123_456,
        seq: 2,
        phase: 'all-gather',
        chunk: 300,
        token: 'secret',
        fromRank: 5,
        payload,
      });
      const viaProtobufjs = Chunk.toObject(Chunk.decode(encoded), { longs: Number, enums: String });
      expect(viaProtobufjs).toMatchObject({
        job: 'job-ä',
        generation: 2 ** 40 + 3,
        step: 123_456,
        seq: 2,
        phase: 'PHASE_ALL_GATHER',
        chunk: 300,
        token: 'secret',
        fromRank: 5,
      });
      expect(new Uint8Array(viaProtobufjs.payload ?? [])).toEqual(payload);
      const mine = decodeChunk(encoded);
      expect(mine.phase).toBe('all-gather');
      expect(mine.generation).toBe(2 ** 40 + 3);
      expect(mine.payload).toEqual(payload);
    }
  });

  it('pads so the payload lands 8-byte aligned after the 5-byte gRPC frame prefix', () => {
    for (const token of ['', 't', 'a-longer-token-of-33-characters-x']) {
      for (const bytes of [8, 1 << 20]) {
        const framed = Buffer.concat([
          Buffer.alloc(5),
          encodeChunk({
            job: 'j',
            generation: 1,
            step: 0,
            seq: 0,
            phase: 'reduce-scatter',
            chunk: 0,
            token,
            fromRank: 0,
            payload: new Uint8Array(bytes),
          }),
        ]);
        const decoded = decodeChunk(framed.subarray(5));
        expect((decoded.payload.byteOffset - framed.byteOffset) % 8).toBe(0);
      }
    }
  });

  it('membership and ping messages agree with protobufjs', () => {
    const m = { job: 'j', generation: 7, token: 'tok', rank: 3 };
    expect(
      PullRequest.toObject(PullRequest.decode(encodeMembership(m)), { longs: Number }),
    ).toEqual(m);
    expect(decodeMembership(PullRequest.encode(PullRequest.fromObject(m)).finish())).toEqual(m);
    const reply = { rank: 4, dataPort: 40123 };
    expect(decodePingReply(encodePingReply(reply))).toEqual(reply);
    const PingReply = proto.lookupType('repvgg.collective.v1.PingReply');
    expect(PingReply.toObject(PingReply.decode(encodePingReply(reply)))).toEqual(reply);
  });

  it('skips fields it does not know', () => {
    const withExtra = Buffer.concat([
      encodeMembership({ job: 'j', generation: 1, token: 't', rank: 1 }),
      Buffer.from([0x5d, 1, 2, 3, 4]),
    ]);
    expect(decodeMembership(withExtra).rank).toBe(1);
  });
});
