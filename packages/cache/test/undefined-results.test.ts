import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

/** A cache on a fresh prefix, its client, and a loader that counts its runs and returns undefined. */
async function setup(target: (typeof TARGETS)[number]) {
  const id = runId()
  const client = await redis.connect(target)
  const cache = createCache({ redis: client, prefix: id })
  const counted = { runs: 0, key: `${id}:u` }
  const loader = () => {
    counted.runs++
    return undefined
  }
  return { client, cache, loader, counted }
}

describe.each(TARGETS)('undefined loader results on %s', (target) => {
  test('getOrSet() does not cache an undefined loader result', async () => {
    const { client, cache, loader, counted } = await setup(target)
    expect(await cache.getOrSet(counted.key, loader)).toBeUndefined()
    expect(await cache.getOrSet(counted.key, loader)).toBeUndefined()
    expect(counted.runs).toBe(2)
    expect(await client.get(counted.key)).toBeNull()
  })

  test('getOrSet() caches an undefined loader result for negativeTtl', async () => {
    const { client, cache, loader, counted } = await setup(target)
    expect(await cache.getOrSet(counted.key, loader, { negativeTtl: 30 })).toBeUndefined()
    expect(await cache.getOrSet(counted.key, loader, { negativeTtl: 30 })).toBeUndefined()
    expect(counted.runs).toBe(1)
    // kept for negativeTtl, not for the (default 60 s) ttl
    const pttl = await client.pttl(counted.key)
    expect(pttl).toBeGreaterThan(20_000)
    expect(pttl).toBeLessThanOrEqual(30_000)
  })
})
