import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the left-most `X-Forwarded-For` entry when the proxy in front is trusted
 * (`TRUST_PROXY`), else the socket's peer. Mirrors Fastify's `request.ip` for raw requests.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '';
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client's `X-Request-ID` is echoed when it is a sane token; otherwise (or when absent) one is generated. */
export function acceptableRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}
