import { defineKeys, key } from '@hotpath/keys'
import type { ManagedRedisClient } from '@hotpath/redis'
import { describe, expect, test } from 'vitest'
import { CacheError, createCache, errors } from '../src/index'
import { range, redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

/** A Standard Schema that accepts `{ n: number }` objects. */
const numberBox = {
  '~standard': {
    version: 1 as const,
    vendor: 'test',
    validate: (value: unknown) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { n?: unknown }).n === 'number'
        ? { value: value as { n: number } }
        : { issues: [{ message: 'not a box' }] },
  },
}

describe.each(TARGETS)('cache-aside on %s', (target) => {
  test('getOrSet() loads on a miss and answers the next call from Redis', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    let runs = 0
    const loader = () => {
      runs++
      return { at: new Date(0), tags: new Set(['a']) }
    }
    const first = await cache.getOrSet(`${id}:k`, loader)
    const second = await cache.getOrSet(`${id}:k`, loader)
    expect(runs).toBe(1)
    expect(second).toEqual(first)
    expect(second.at).toBeInstanceOf(Date)
    expect(cache.stats().default).toMatchObject({ hits: 1, misses: 1, loaderRuns: 1 })
  })

  test('a null loader result is returned but not cached unless negativeTtl is set', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    let runs = 0
    const loader = () => {
      runs++
      return null
    }
    await cache.getOrSet(`${id}:none`, loader)
    await cache.getOrSet(`${id}:none`, loader)
    expect(runs).toBe(2)
    await cache.getOrSet(`${id}:neg`, loader, { negativeTtl: 60 })
    expect(await cache.getOrSet(`${id}:neg`, loader, { negativeTtl: 60 })).toBeNull()
    expect(runs).toBe(3)
  })

  test('the loader decides the ttl from the value it loaded', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const cache = createCache({ redis: client, prefix: id })
    await cache.getOrSet(
      `${id}:short`,
      (ctx) => {
        ctx.setTtl('1s')
        return 'v'
      },
      { ttl: 3600 },
    )
    const pttl = await client.pttl(`${id}:short`)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(1000)
  })

  test('set(), get(), delete() and getMany() see the same entries', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    expect(await cache.set(`${id}:a`, 1)).toBe(true)
    expect(await cache.set(`${id}:b`, { two: 2 }, { ttl: '1m' })).toBe(true)
    expect(await cache.get(`${id}:a`)).toBe(1)
    expect(await cache.getMany([`${id}:a`, `${id}:missing`, `${id}:b`])).toEqual([
      1,
      undefined,
      { two: 2 },
    ])
    expect(await cache.delete(`${id}:a`)).toBe(true)
    expect(await cache.get(`${id}:a`)).toBeUndefined()
  })

  test('a value written by someone else is a miss, not a crash', async () => {
    const id = runId()
    const client = await redis.connect(target)
    await client.set(`${id}:foreign`, 'not an entry')
    const cache = createCache({ redis: client, prefix: id })
    expect(await cache.getOrSet(`${id}:foreign`, () => 'loaded')).toBe('loaded')
    expect(await cache.get(`${id}:foreign`)).toBe('loaded')
  })

  test('compressed entries are read back by a cache with compression off', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const writer = createCache({ redis: client, prefix: id, compression: { threshold: 100 } })
    const big = { text: 'lorem ipsum '.repeat(500) }
    await writer.set(`${id}:big`, big)
    const raw = await client.get(`${id}:big`)
    expect(raw?.[0]).toBe('Z')
    expect(raw?.length).toBeLessThan(1000)
    const reader = createCache({ redis: client, prefix: id })
    expect(await reader.get(`${id}:big`)).toEqual(big)
  })

  test('a KeyRef brings its ttl, tags and schema, and names the stats namespace', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const registry = defineKeys(
      { box: key('box:{id}', { ttl: '2m', tags: (p) => [`box:${p.id}`], schema: numberBox }) },
      { prefix: id },
    )
    const cache = createCache({ redis: client, registry, prefix: id })
    const ref = registry.keys.box({ id: '7' })
    expect(await cache.getOrSet(ref, () => ({ n: 1 }))).toEqual({ n: 1 })
    const pttl = await client.pttl(ref.key)
    expect(pttl).toBeGreaterThan(100_000)
    expect(pttl).toBeLessThanOrEqual(120_000)
    await cache.invalidateTags(['box:7'])
    expect(await cache.getOrSet(ref, () => ({ n: 2 }))).toEqual({ n: 2 })
    expect(cache.stats().box).toMatchObject({ misses: 2, loaderRuns: 2 })
    // A value that fails the schema (written by an older deploy, say) reads as a miss.
    await cache.set(ref.key, { n: 'three' })
    expect(await cache.get(ref)).toBeUndefined()
    expect(await cache.getOrSet(ref, () => ({ n: 4 }))).toEqual({ n: 4 })
  })

  test('concurrent hits of one key share one read; the next read is a new one', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const writer = createCache({ redis: await redis.connect(target), prefix: id })
    const cache = createCache({ redis: client, prefix: id })
    await writer.set(`${id}:hot`, 'v1')
    const stats = (client as ManagedRedisClient).stats
    let before = stats().commands
    const values = await Promise.all(range(25).map(() => cache.get(`${id}:hot`)))
    expect(values).toEqual(range(25).map(() => 'v1'))
    expect(stats().commands - before).toBe(1)
    // settled reads are not reused: a write in between is seen at once
    await writer.set(`${id}:hot`, 'v2')
    before = stats().commands
    expect(await cache.get(`${id}:hot`)).toBe('v2')
    expect(await cache.getOrSet(`${id}:hot`, () => 'loaded')).toBe('v2')
    expect(stats().commands - before).toBe(2)
  })

  test('concurrent tagged hits share one read per tag set, and a read of other tags is its own', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const writer = createCache({ redis: await redis.connect(target), prefix: id })
    const cache = createCache({ redis: client, prefix: id })
    await writer.set(`${id}:tagged`, 'v1', { tags: ['a', 'b'] })
    // One MGET of the entry and its tag tokens; on a cluster, where they live in different
    // slots, one GET per key (learnt from the first refusal, which this warm-up read takes).
    const commandsPerRead = (keys: number) => (target === 'cluster' ? keys : 1)
    await cache.get(`${id}:tagged`, { tags: ['a', 'b'] })
    const stats = (client as ManagedRedisClient).stats
    let before = stats().commands
    const same = await Promise.all(
      range(20).map(() => cache.getOrSet(`${id}:tagged`, () => 'loaded', { tags: ['a', 'b'] })),
    )
    expect(same).toEqual(range(20).map(() => 'v1'))
    expect(stats().commands - before).toBe(commandsPerRead(3))
    // Readers of other tags while that read is in flight: their tokens come from their own.
    before = stats().commands
    const mixed = await Promise.all([
      cache.getOrSet(`${id}:tagged`, () => 'loaded', { tags: ['a', 'b'] }),
      ...range(5).map(() =>
        cache.getOrSet(`${id}:tagged`, () => 'loaded', { tags: ['a', 'b', 'c'] }),
      ),
      cache.getOrSet(`${id}:tagged`, () => 'loaded', { tags: ['a', 'b'] }),
    ])
    expect(mixed).toEqual(range(7).map(() => 'v1'))
    expect(stats().commands - before).toBe(commandsPerRead(3) + commandsPerRead(4))
    // An invalidation of a tag is seen by the next read of either tag set.
    await writer.invalidateTags(['b'])
    expect(await cache.get(`${id}:tagged`, { tags: ['a', 'b', 'c'] })).toBeUndefined()
    expect(await cache.get(`${id}:tagged`, { tags: ['a', 'b'] })).toBeUndefined()
  })

  test('a tag the key registry would refuse (empty) is refused with E_OPTION_INVALID, the loader not run', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    let ran = 0
    await expect(cache.get(`${id}:k`, { tags: [''] })).rejects.toMatchObject({
      code: errors.E_OPTION_INVALID,
    })
    await expect(cache.getOrSet(`${id}:k`, () => ++ran, { tags: [''] })).rejects.toMatchObject({
      code: errors.E_OPTION_INVALID,
    })
    expect(ran).toBe(0)
  })

  test('string keys are named by the registry for stats', async () => {
    const id = runId()
    const registry = defineKeys({ user: key('user:{userId}') }, { prefix: id })
    const cache = createCache({ redis: await redis.connect(target), registry, prefix: id })
    await cache.getOrSet(registry.keys.user({ userId: '1' }).key, () => 1)
    await cache.getOrSet(`${id}:unregistered`, () => 1)
    expect(Object.keys(cache.stats()).sort()).toEqual(['default', 'user'])
  })
})

describe('without Redis', () => {
  test('every read is a miss that calls the loader and every write is a no-op', async () => {
    const cache = createCache({ redis: null })
    let runs = 0
    const loader = async () => {
      runs++
      await sleep(10)
      return runs
    }
    expect(await cache.getOrSet('k', loader)).toBe(1)
    expect(await cache.getOrSet('k', loader)).toBe(2)
    // Concurrent callers still share one loader run.
    const shared = await Promise.all(range(20).map(() => cache.getOrSet('k', loader)))
    expect(new Set(shared)).toEqual(new Set([3]))
    expect(await cache.set('k', 1)).toBe(false)
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    expect(await cache.invalidateTags(['t'])).toBe(false)
    expect(await cache.delete('k')).toBe(false)
  })

  test('a lock cannot be taken and says why', async () => {
    const cache = createCache({ redis: null })
    await expect(cache.acquireLock('r')).rejects.toMatchObject({ code: errors.E_LOCK_UNAVAILABLE })
  })
})

describe('bad input', () => {
  test.each([
    ['a malformed ttl', { ttl: '5 minutes' as never }],
    ['a negative grace', { grace: -1 }],
    ['a jitter of 1 or more', { jitter: 1 }],
  ])('%s is refused with E_OPTION_INVALID', async (_name, options) => {
    const cache = createCache({ redis: null })
    const error = await cache.getOrSet('k', () => 1, options).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CacheError)
    expect((error as CacheError).code).toBe(errors.E_OPTION_INVALID)
  })

  test('an empty key is refused', async () => {
    const cache = createCache({ redis: null })
    await expect(cache.get('')).rejects.toMatchObject({ code: errors.E_INVALID_ARGUMENT })
    // refused as a rejection, never a synchronous throw, with or without Redis
    const withRedis = createCache({ redis: await redis.connect('standalone') })
    const refused = withRedis.getOrSet('', () => 1)
    await expect(refused).rejects.toMatchObject({ code: errors.E_INVALID_ARGUMENT })
  })

  test('a client whose get throws instead of rejecting degrades to the loader', async () => {
    // No real server throws synchronously; a wrapper forces the branch.
    const real = await redis.connect('standalone')
    const broken = new Proxy(real, {
      get: (client, name, receiver) =>
        name === 'get'
          ? () => {
              throw new Error('thrown, not rejected')
            }
          : Reflect.get(client, name, receiver),
    })
    const cache = createCache({ redis: broken, prefix: runId() })
    const errorsSeen: unknown[] = []
    cache.on('error', (event) => errorsSeen.push(event.error))
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded')
    expect(await cache.get('k')).toBeUndefined()
    expect(errorsSeen.map((error) => (error as Error).message)).toContain('thrown, not rejected')
    expect(cache.stats().default).toMatchObject({ loaderRuns: 1 })
  })
})
