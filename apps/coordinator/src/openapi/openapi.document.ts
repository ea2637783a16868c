import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { bearerAuthMiddleware } from '../http/bearer-auth.middleware';
import type { BearerTokens } from '../http/bearer-tokens';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('repvgg-dist coordinator')
    .setDescription(
      'Submit distributed RepVGG training jobs, follow them, and download the fused deploy model.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Serves the document at /docs (UI), /docs-json and /docs-yaml behind the API's bearer tokens: only
 * health is public. Mounted first, so the check runs before SwaggerModule's handlers.
 */
export function serveOpenApi(app: INestApplication, tokens: BearerTokens): void {
  app.use(['/docs', '/docs-json', '/docs-yaml'], bearerAuthMiddleware(tokens));
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
