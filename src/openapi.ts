import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ErrorResponseDto } from './common/errors/error-response.dto';

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ParameterObject = Extract<NonNullable<OperationObject['parameters']>[number], { in: string }>;
type ResponseObject = Extract<OperationObject['responses'][string], { description: string }>;

const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponseDto' };

/** What each error status means on any route; a route's own description (more precise) is kept when it has one. */
const STANDARD_ERRORS: Record<string, { description: string; message: string | string[] }> = {
  '400': {
    description: 'Invalid input: `message` names every invalid or unknown field',
    message: ['email must be an email address'],
  },
  '401': {
    description: 'No credentials, or an invalid, expired or revoked token or API key',
    message: 'Authentication required',
  },
  '403': { description: 'Authenticated but not allowed', message: 'Missing permission: users:read' },
  '404': { description: 'Not found, or in another tenant', message: 'User not found' },
  '409': { description: 'Conflict', message: 'The username is taken in this tenant' },
  '413': { description: 'The request body is over 1 MiB', message: 'Request body is too large' },
  '422': { description: 'A business rule refused the request', message: 'The password breaks the policy' },
  '429': {
    description: 'Rate limited: retry after the `Retry-After` header’s seconds',
    message: 'Too many requests; retry later',
  },
  '503': { description: 'A dependency does not answer', message: 'Service unavailable' },
};

const TENANT_HEADER: ParameterObject = {
  name: 'X-Tenant-ID',
  in: 'header',
  required: false,
  description:
    'The tenant (id or slug). Unauthenticated calls act in it (`default` when absent); authenticated calls act in ' +
    'the tenant of their token or key, and only platform admins may name another one (else 403).',
  schema: { type: 'string', example: 'default' },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function hasValidatedInput(operation: OperationObject): boolean {
  if (operation.requestBody) return true;
  return ((operation.parameters ?? []) as ParameterObject[]).some(
    (p) =>
      p.in === 'query' ||
      (p.in === 'path' && (p.schema as { format?: string; enum?: unknown })?.format === 'uuid') ||
      (p.in === 'path' && Array.isArray((p.schema as { enum?: unknown })?.enum)),
  );
}

/**
 * What every API route shares, added once here rather than on each controller: the error body on every
 * error answer (with an example), the errors that the global pipes and guard give on any route (400 for
 * invalid input, 401/403 on protected routes, 404 for routes of one record, 413 for bodies), UUID path
 * ids, and the X-Tenant-ID header.
 */
function addSharedDocumentation(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = (operation.parameters ?? []) as ParameterObject[];
      for (const p of parameters) {
        // Ids are validated as UUIDs (ParseUUIDPipe); a parameter that takes something else says so.
        if (p.in === 'path' && p.name === 'id' && !p.description) p.schema = { type: 'string', format: 'uuid' };
      }
      if (!parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'x-tenant-id')) {
        operation.parameters = [...parameters, TENANT_HEADER];
      }
      const responses = operation.responses as Record<string, ResponseObject>;
      const secured = (operation.security ?? []).length > 0;
      const wanted = new Set<string>();
      if (hasValidatedInput(operation)) wanted.add('400');
      if (secured) wanted.add('401').add('403');
      if (/\{id\}/.test(path)) wanted.add('404');
      if (operation.requestBody) wanted.add('413');
      for (const status of wanted) responses[status] ??= { description: STANDARD_ERRORS[status].description };
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]\d\d$/.test(status) || response.content) continue;
        const standard = STANDARD_ERRORS[status];
        const code = Number(status);
        response.content = {
          'application/json': {
            schema: ERROR_SCHEMA,
            example: {
              statusCode: code,
              error: STATUS_CODES[code],
              message: standard?.message ?? response.description,
              requestId: '3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f',
            },
          },
        };
      }
    }
  }
  return document;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('DotMac User Management')
    .setDescription(
      'Multi-tenant user management: registration, authentication, authorization and audit.\n\n' +
        '**Try it out:** call `POST /api/v2/auth/login` with a username and password, copy `accessToken` from the ' +
        'answer, press **Authorize** and paste it under `bearer`; or paste an API key under `apiKey`. ' +
        'The authorization is kept across reloads of this page.\n\n' +
        'Unauthenticated calls name their tenant with `X-Tenant-ID` (id or slug; `default` when absent). ' +
        'Every error answers `{ statusCode, error, message, requestId }`. Other services verify access tokens with ' +
        'the keys at `/.well-known/jwks.json` (EdDSA/ES256) or ask `POST /api/v2/auth/introspect`.',
    )
    .setVersion('2.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The `accessToken` of `POST /api/v2/auth/login` (or of `/auth/refresh`), without "Bearer "',
    })
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key from `POST /api/v2/api-keys` (`dmac_...`); it acts as its owner, within its scopes',
      },
      'apiKey',
    )
    .build();
  return addSharedDocumentation(SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] }));
}

export function setupSwagger(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'DotMac User Management API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: false },
  });
}
