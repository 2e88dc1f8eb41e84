import type { RedisClient } from '@hotpath/redis'

/**
 * Counts the calls that reach Redis: every method call except `scan` (one per batch) and
 * `close` is one round trip, a pipeline included. Used to prove the one-round-trip read.
 */
export function countRoundTrips(client: RedisClient): { client: RedisClient; count(): number } {
  let calls = 0
  const counted = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || property === 'close') return value
      return (...args: unknown[]) => {
        calls++
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { client: counted, count: () => calls }
}
