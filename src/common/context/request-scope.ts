import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientIp } from '../http/client-ip';
import { RequestContext, RequestStore } from './request-context';

const STORE = Symbol('requestStore');
type ScopedRequest = FastifyRequest & { [STORE]?: RequestStore };

/**
 * Opens the request context for every request, as the first thing Fastify does with it (native hooks: no
 * middleware layer). The scope is entered again once the body has been read, because the stream events
 * that deliver a body do not carry the context of the request that reads it.
 */
export function registerRequestScope(fastify: FastifyInstance, trustProxy: boolean): void {
  fastify.addHook('onRequest', (request: ScopedRequest, reply, done) => {
    const store: RequestStore = {
      requestId: request.id,
      ip: clientIp(request.raw, trustProxy),
      userAgent: String(request.headers['user-agent'] ?? '').slice(0, 512),
    };
    request[STORE] = store;
    void reply.header('x-request-id', request.id);
    RequestContext.run(store, done);
  });
  fastify.addHook('preValidation', (request: ScopedRequest, _reply, done) => {
    RequestContext.run(request[STORE]!, done);
  });
}
