/**
 * A value now, or a promise of it. The per-request checks (token, session, permissions, tenant, the own
 * account) are answered from memory almost always; answering those synchronously, and only going through
 * a promise on a miss, spares every request several promise round trips, each of which also pays for the
 * request context's async hooks.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)` now when the value is there, once it is when it is a promise. */
export function chain<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
