import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenException, UnauthorizedException } from '@nestjs/common';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The coordinator's API tokens, checked against an Authorization header. */
export class BearerTokens {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /** Throws 401 when the header holds no bearer token, 403 when the token is not one of ours. */
  verify(authorization: string | undefined): void {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (match?.[1] === undefined) {
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"');
    }
    if (!this.accepts(match[1])) {
      throw new ForbiddenException('the bearer token is not valid for this coordinator');
    }
  }

  /** Whether `token` is one of ours. */
  accepts(token: string): boolean {
    // Comparing digests keeps the comparison constant-time whatever the token lengths.
    const given = digest(token);
    return this.digests.some((t) => timingSafeEqual(t, given));
  }
}
