import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { COORDINATOR_CONFIG, type CoordinatorConfig } from '../config/coordinator-config';
import { BearerTokens } from './bearer-tokens';
import { IS_PUBLIC } from './public.decorator';

/** Bearer-token auth on every route not marked @Public: 401 without a token, 403 with a wrong one. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: BearerTokens;

  constructor(
    private readonly reflector: Reflector,
    @Inject(COORDINATOR_CONFIG) config: CoordinatorConfig,
  ) {
    this.tokens = new BearerTokens(config.apiTokens);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;
    this.tokens.verify(context.switchToHttp().getRequest<IncomingMessage>().headers.authorization);
    return true;
  }
}
