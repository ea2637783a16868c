import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { COORDINATOR_CONFIG, type CoordinatorConfig } from '../config/coordinator-config';
import { IS_PUBLIC } from './public.decorator';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Bearer-token auth on every route not marked @Public: 401 without a token, 403 with a wrong one. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: readonly Buffer[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(COORDINATOR_CONFIG) config: CoordinatorConfig,
  ) {
    this.tokens = config.apiTokens.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"');
    }
    // Comparing digests keeps the comparison constant-time whatever the token lengths.
    const given = digest(match[1]);
    if (!this.tokens.some((t) => timingSafeEqual(t, given))) {
      throw new ForbiddenException('the bearer token is not valid for this coordinator');
    }
    return true;
  }
}
