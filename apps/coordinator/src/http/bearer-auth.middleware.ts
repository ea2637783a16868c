import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerTokens } from './bearer-tokens';
import { sendError } from './error.filter';

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The AuthGuard's check for handlers that Nest's guards never see, such as the Swagger routes that
 * SwaggerModule registers straight on the HTTP adapter; failures answer like every other route.
 */
export function bearerAuthMiddleware(tokens: BearerTokens): Middleware {
  return (req, res, next) => {
    try {
      tokens.verify(req.headers.authorization);
    } catch (err) {
      sendError(res, err);
      return;
    }
    next();
  };
}
