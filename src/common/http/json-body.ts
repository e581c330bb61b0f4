import { isUtf8 } from 'node:buffer';
import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { BadInput } from '../errors/domain-errors';

/**
 * How deeply a request body may nest objects and arrays. No body of the API nests more than a few levels
 * (free-form preference settings included); validation and transformation recurse, so a body nested
 * thousands of levels deep would exhaust the stack instead of being refused.
 */
export const MAX_JSON_DEPTH = 32;

const NOT_UTF8 = 'The request body is not valid UTF-8';
const INVALID_JSON = 'Malformed JSON in the request body (keys named __proto__ or constructor.prototype are refused)';

/** Whether the JSON text nests objects/arrays deeper than `max` (brackets inside strings do not count). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** A UTF-16 surrogate without its pair: what a JSON escape such as `\ud800` decodes to. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any string in the parsed JSON value (keys included) holds an unpaired surrogate. */
export function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  }
  return false;
}

/**
 * The application/json parser: the body must be valid UTF-8 (invalid bytes are refused, not silently
 * replaced), nest at most MAX_JSON_DEPTH levels, and escape no unpaired surrogate (text no UTF-8 can
 * carry, on which validators throw); it is parsed by Fastify's own parser, which refuses `__proto__` and
 * `constructor.prototype` keys.
 */
export function strictJsonParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    if (!isUtf8(body)) {
      done(new BadInput(NOT_UTF8), undefined);
      return;
    }
    const text = body.toString('utf8');
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new BadInput(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    void parse(request, text, (err, parsed?: unknown) => {
      if ((err as { code?: string } | null)?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        done(new BadInput(INVALID_JSON), undefined);
      } else if (!err && hasLoneSurrogate(parsed)) {
        done(new BadInput(NOT_UTF8), undefined);
      } else {
        done(err, parsed);
      }
    });
  };
}
