import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_DESCRIPTION, finishDocument } from './common/api/openapi-document';

// The application's controller classes, for the rules the finishing pass reads from them.
function controllersOf(app: NestFastifyApplication): Array<new (...args: never[]) => unknown> {
  const out = new Set<new (...args: never[]) => unknown>();
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values())
      if (typeof wrapper.metatype === 'function')
        out.add(wrapper.metatype as new (...args: never[]) => unknown);
  return [...out];
}

// OpenAPI 3.1 at /api/openapi.json and Swagger UI at /api/docs, both served locally.
export function setupOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Switchyard')
    .setDescription(
      'Docker networks and the containers on them. Errors are application/problem+json with a stable `code`; ' +
        'the same operations exist in GraphQL at /graphql.',
    )
    .setVersion('1')
    .addServer('/', 'This service')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: BEARER_DESCRIPTION,
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.Problem = {
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
    properties: {
      type: { type: 'string', example: 'urn:switchyard:problem:NETWORK_NAME_TAKEN' },
      title: { type: 'string', example: 'Network name taken' },
      status: { type: 'integer', example: 409 },
      detail: { type: 'string', description: 'What went wrong and what to do about it' },
      code: { type: 'string', description: 'Stable UPPER_SNAKE code', example: 'NETWORK_NAME_TAKEN' },
      errors: {
        type: 'array',
        items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
      context: { type: 'object', additionalProperties: true },
      requestId: { type: 'string' },
    },
  };
  finishDocument(document, controllersOf(app));
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
    customSiteTitle: 'Switchyard API',
  });
}
