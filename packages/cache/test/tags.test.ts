import { createUpstashRedis } from '@hotpath/redis/upstash'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('tags on %s', (target) => {
  test('an invalidation by one client is seen by every other client at once', async () => {
    const id = runId()
    const caches = await redis.caches(target, 3, { prefix: id })
    const [a, b, admin] = caches
    if (!a || !b || !admin) throw new Error('three caches expected')
    await a.getOrSet(`${id}:p1`, () => 'p1-v1', { tags: ['products'] })
    await b.getOrSet(`${id}:p2`, () => 'p2-v1', { tags: ['products', 'featured'] })
    await b.getOrSet(`${id}:u`, () => 'u-v1', { tags: ['users'] })
    expect(await admin.invalidateTags(['products'])).toBe(true)
    expect(await b.getOrSet(`${id}:p1`, () => 'p1-v2', { tags: ['products'] })).toBe('p1-v2')
    expect(await a.getOrSet(`${id}:p2`, () => 'p2-v2', { tags: ['products', 'featured'] })).toBe(
      'p2-v2',
    )
    expect(await a.getOrSet(`${id}:u`, () => 'u-v2', { tags: ['users'] })).toBe('u-v1')
  })

  test('tags the loader chose from the value are enforced too', async () => {
    const id = runId()
    const [writer, reader] = await redis.caches(target, 2, { prefix: id })
    if (!writer || !reader) throw new Error('two caches expected')
    await writer.getOrSet(`${id}:order`, (ctx) => {
      const order = { id: 'o1', customer: 'c9' }
      ctx.setTags([`customer:${order.customer}`])
      return order
    })
    expect(await reader.get(`${id}:order`)).toEqual({ id: 'o1', customer: 'c9' })
    await reader.invalidateTags(['customer:c9'])
    expect(await writer.get(`${id}:order`)).toBeUndefined()
    expect(await reader.get(`${id}:order`)).toBeUndefined()
  })

  test('a value loaded across an invalidation of its tag is not served afterwards', async () => {
    const id = runId()
    const [cache, admin] = await redis.caches(target, 2, { prefix: id })
    if (!cache || !admin) throw new Error('two caches expected')
    const value = await cache.getOrSet(
      `${id}:race`,
      async () => {
        // The source changes and the change is announced while this load is in flight.
        await admin.invalidateTags(['race'])
        return 'loaded-before-invalidation'
      },
      { tags: ['race'] },
    )
    expect(value).toBe('loaded-before-invalidation')
    expect(await cache.get(`${id}:race`, { tags: ['race'] })).toBeUndefined()
  })

  test('tag bookkeeping expires and tagged entries never outlive it', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const cache = createCache({ redis: client, prefix: id, tagRetention: 2 })
    await cache.set(`${id}:long`, 'v', { ttl: '1h', tags: ['t'] })
    const entryTtl = await client.pttl(`${id}:long`)
    expect(entryTtl).toBeGreaterThan(0)
    expect(entryTtl).toBeLessThanOrEqual(2000)
    await cache.invalidateTags(['t'])
    let tagKeys: string[] = []
    for await (const batch of client.scan({ match: `${id}:cache:tag:*` })) tagKeys.push(...batch)
    expect(tagKeys).toHaveLength(1)
    const tagTtl = await client.pttl(tagKeys[0] as string)
    expect(tagTtl).toBeGreaterThan(0)
    expect(tagTtl).toBeLessThanOrEqual(2000)
    await sleep(2100)
    tagKeys = []
    for await (const batch of client.scan({ match: `${id}:cache:tag:*` })) tagKeys.push(...batch)
    expect(tagKeys).toEqual([])
    expect(await client.exists(`${id}:long`)).toBe(0)
  })

  test('getMany() checks each entry against its own tags', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, { prefix: id })
    if (!cache) throw new Error('cache expected')
    await cache.set(`${id}:a`, 'a', { tags: ['x'] })
    await cache.set(`${id}:b`, 'b', { tags: ['y'] })
    await cache.invalidateTags(['x'])
    expect(await cache.getMany([`${id}:a`, `${id}:b`])).toEqual([undefined, 'b'])
  })
})

describe('round trips (counted at the REST server)', () => {
  test('a tagged hit, getMany and invalidateTags cost one round trip each', async () => {
    const id = runId()
    const server = await redis.restServer()
    const client = createUpstashRedis({ url: server.url, token: 'cache-test-token' })
    try {
      const cache = createCache({ redis: client, prefix: id })
      await cache.getOrSet(`${id}:k`, () => 1, { tags: ['a', 'b'] })
      await cache.set(`${id}:j`, 2)
      let before = server.requests
      expect(await cache.getOrSet(`${id}:k`, () => 0, { tags: ['a', 'b'] })).toBe(1)
      expect(server.requests - before).toBe(1)
      before = server.requests
      expect(await cache.getMany([`${id}:k`, `${id}:j`, `${id}:none`])).toEqual([1, 2, undefined])
      expect(server.requests - before).toBe(1)
      before = server.requests
      await cache.invalidateTags(['a', 'b', 'c'])
      expect(server.requests - before).toBe(1)
    } finally {
      await client.close()
    }
  })

  test('tags a loader added are learnt, so the next read needs one round trip', async () => {
    const id = runId()
    const server = await redis.restServer()
    const client = createUpstashRedis({ url: server.url, token: 'cache-test-token' })
    try {
      const cache = createCache({ redis: client, prefix: id })
      const loader = (ctx: { setTags(tags: string[]): void }) => {
        ctx.setTags(['late'])
        return 'v'
      }
      await cache.getOrSet(`${id}:k`, loader)
      await cache.getOrSet(`${id}:k`, loader)
      const before = server.requests
      expect(await cache.getOrSet(`${id}:k`, loader)).toBe('v')
      expect(server.requests - before).toBe(1)
    } finally {
      await client.close()
    }
  })
})
