import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The API answers JSON only: nothing it serves may load anything, be framed, or post forms.
 * Swagger UI (/docs) loads its own scripts and stylesheets from /docs/, uses inline styles (its template
 * and SVG icons) and data: images, and calls the API from the page ("Try it out"). No inline script is
 * needed: @nestjs/swagger serves its init code as /docs/swagger-ui-init.js.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const DOCS_PAGE = /^\/docs(?:\/|\?|$)/;

/** helmet's headers on every response, with the CSP chosen per path (Swagger UI needs a looser one). */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, { contentSecurityPolicy: false });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.header('content-security-policy', DOCS_PAGE.test(request.url) ? DOCS_CSP : API_CSP);
      done();
    });
}
