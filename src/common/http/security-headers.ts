import type { FastifyInstance } from 'fastify';

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

/**
 * helmet's default headers (helmet 8), which do not depend on the request: written as one constant set
 * rather than by helmet's per-request middleware chain, which cost more than a whole cached GET /users/me.
 */
const STATIC_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const API_HEADERS = { ...STATIC_HEADERS, 'content-security-policy': API_CSP };
const DOCS_HEADERS = { ...STATIC_HEADERS, 'content-security-policy': DOCS_CSP };

const DOCS_PAGE = /^\/docs(?:\/|\?|$)/;

/** The security headers on every response, with the CSP chosen per path (Swagger UI needs a looser one). */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(DOCS_PAGE.test(request.url) ? DOCS_HEADERS : API_HEADERS);
    done();
  });
}
