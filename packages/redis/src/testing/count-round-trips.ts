import type { RedisClient } from '../types'

/**
 * Counts the calls that reach Redis: every method call except `close` is one round trip, a
 * pipeline included (`scan` counts once per call, not per batch). For tests and benchmarks
 * that prove how many round trips an operation costs.
 */
export function countRoundTrips<C extends RedisClient>(client: C): { client: C; count(): number } {
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
