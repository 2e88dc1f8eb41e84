import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { range, redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

const TTL_MS = 100_000
const GRACE_MS = 10_000

describe.each(TARGETS)('ttl jitter on %s', (target) => {
  test('set() with jitter 0.5 spreads the Redis TTLs within ttl ± 50% plus grace', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const cache = createCache({ redis: client, prefix: id })
    const keys = range(40).map((n) => `${id}:j${n}`)
    const started = Date.now()
    const written = await Promise.all(
      keys.map((key) => cache.set(key, 'v', { ttl: 100, grace: 10, jitter: 0.5 })),
    )
    expect(written.every(Boolean)).toBe(true)
    const pttls = await Promise.all(keys.map((key) => client.pttl(key)))
    const elapsed = Date.now() - started
    // The Redis TTL is the jittered ttl plus the (unjittered) grace.
    const lowest = TTL_MS * 0.5 + GRACE_MS
    const highest = TTL_MS * 1.5 + GRACE_MS
    for (const pttl of pttls) {
      expect(pttl).toBeGreaterThanOrEqual(lowest - elapsed - 1000)
      expect(pttl).toBeLessThanOrEqual(highest)
    }
    expect(Math.max(...pttls) - Math.min(...pttls)).toBeGreaterThan(5000)
  })

  test('getOrSet() with jitter 0.5 spreads the Redis TTLs of loaded entries', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const cache = createCache({ redis: client, prefix: id, defaults: { jitter: 0.5 } })
    const keys = range(40).map((n) => `${id}:g${n}`)
    await Promise.all(keys.map((key) => cache.getOrSet(key, () => 'v', { ttl: 100 })))
    const pttls = await Promise.all(keys.map((key) => client.pttl(key)))
    for (const pttl of pttls) {
      expect(pttl).toBeGreaterThan(TTL_MS * 0.5 - 5000)
      expect(pttl).toBeLessThanOrEqual(TTL_MS * 1.5)
    }
    expect(Math.max(...pttls) - Math.min(...pttls)).toBeGreaterThan(5000)
  })

  test('set() with jitter 0 gives every key the same Redis TTL of ttl plus grace', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const cache = createCache({ redis: client, prefix: id, defaults: { jitter: 0.5 } })
    const keys = range(40).map((n) => `${id}:z${n}`)
    const written = await Promise.all(
      keys.map((key) => cache.set(key, 'v', { ttl: 100, grace: 10, jitter: 0 })),
    )
    expect(written.every(Boolean)).toBe(true)
    const pttls = await Promise.all(keys.map((key) => client.pttl(key)))
    expect(Math.max(...pttls) - Math.min(...pttls)).toBeLessThan(1000)
    for (const pttl of pttls) {
      expect(pttl).toBeGreaterThan(TTL_MS + GRACE_MS - 5000)
      expect(pttl).toBeLessThanOrEqual(TTL_MS + GRACE_MS)
    }
  })
})
