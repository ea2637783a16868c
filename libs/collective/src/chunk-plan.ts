/** A half-open element range [start, end). */
export interface Span {
  start: number;
  end: number;
}

/**
 * Cuts `length` elements into `worldSize` segments (sizes differ by at most one when the length does
 * not divide) and every segment into the same number of chunks, so that chunk `c` of any segment has
 * one schedule slot on every rank. Chunks may be empty when a segment is shorter than the chunk count.
 */
export class ChunkPlan {
  readonly segments: readonly Span[];
  readonly chunksPerSegment: number;

  constructor(
    readonly length: number,
    readonly worldSize: number,
    maxChunkElements: number,
  ) {
    const segments: Span[] = [];
    for (let i = 0; i < worldSize; i++) {
      segments.push({
        start: Math.floor((i * length) / worldSize),
        end: Math.floor(((i + 1) * length) / worldSize),
      });
    }
    this.segments = segments;
    const longest = Math.ceil(length / worldSize);
    this.chunksPerSegment = Math.max(1, Math.ceil(longest / Math.max(1, maxChunkElements)));
  }

  /** The most elements any chunk of this plan holds. */
  get longestChunk(): number {
    return Math.ceil(Math.ceil(this.length / this.worldSize) / this.chunksPerSegment);
  }

  chunk(segment: number, chunk: number): Span {
    const s = this.segments[((segment % this.worldSize) + this.worldSize) % this.worldSize];
    const n = s.end - s.start;
    const c = this.chunksPerSegment;
    return {
      start: s.start + Math.floor((chunk * n) / c),
      end: s.start + Math.floor(((chunk + 1) * n) / c),
    };
  }
}
