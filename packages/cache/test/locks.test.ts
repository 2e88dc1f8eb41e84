import { describe, expect, test } from 'vitest'
import { CacheError, createCache, errors } from '../src/index'
import { range, redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('locks on %s', (target) => {
  test('50 contenders run one at a time with strictly increasing fencing tokens', async () => {
    const id = runId()
    const caches = await redis.caches(target, 5, { prefix: id })
    let inside = 0
    let maxInside = 0
    const tokens: number[] = []
    await Promise.all(
      range(50).map((index) =>
        (caches[index % caches.length] as (typeof caches)[number]).withLock(
          'counter',
          async (lock) => {
            inside++
            maxInside = Math.max(maxInside, inside)
            tokens.push(lock.fencingToken)
            await sleep(2)
            inside--
          },
          { ttl: 5000, wait: 60_000 },
        ),
      ),
    )
    expect(maxInside).toBe(1)
    expect(tokens).toHaveLength(50)
    for (let index = 1; index < tokens.length; index++) {
      expect(tokens[index]).toBeGreaterThan(tokens[index - 1] as number)
    }
  }, 90_000)

  test('a holder whose lock expired cannot release the next holder’s lock', async () => {
    const id = runId()
    const [a, b] = await redis.caches(target, 2, { prefix: id })
    if (!a || !b) throw new Error('two caches expected')
    const first = await a.acquireLock('job', { ttl: 100 })
    expect(first).not.toBeNull()
    await sleep(150)
    const second = await b.acquireLock('job', { ttl: 5000 })
    expect(second).not.toBeNull()
    expect(second?.fencingToken).toBeGreaterThan(first?.fencingToken as number)
    expect(await first?.release()).toBe(false)
    expect(await first?.extend(5000)).toBe(false)
    expect(await a.acquireLock('job')).toBeNull()
    expect(await second?.release()).toBe(true)
    expect(await a.acquireLock('job')).not.toBeNull()
  })

  test('a resource’s first fencing token is the Redis clock in microseconds, so tokens still rise after the counter expires', async () => {
    const [cache] = await redis.caches(target, 1, { prefix: runId() })
    const before = Date.now() * 1000
    const lock = await cache?.acquireLock('seeded')
    const after = Date.now() * 1000
    // A second of slack either side: the server reads the same clock, not at the same instant.
    expect(lock?.fencingToken).toBeGreaterThanOrEqual(before - 1_000_000)
    expect(lock?.fencingToken).toBeLessThanOrEqual(after + 1_000_000)
    expect(await lock?.release()).toBe(true)
  })

  test('extend() keeps a lock past its original ttl', async () => {
    const id = runId()
    const [a, b] = await redis.caches(target, 2, { prefix: id })
    if (!a || !b) throw new Error('two caches expected')
    const lock = await a.acquireLock('ext', { ttl: 150 })
    expect(await lock?.extend(2000)).toBe(true)
    await sleep(250)
    expect(await b.acquireLock('ext')).toBeNull()
  })

  test('withLock() gives up with E_LOCK_TIMEOUT after its wait bound', async () => {
    const id = runId()
    const [a, b] = await redis.caches(target, 2, { prefix: id })
    if (!a || !b) throw new Error('two caches expected')
    await a.acquireLock('busy', { ttl: 5000 })
    const error = await b.withLock('busy', () => 'ran', { wait: 100 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheError)
    expect((error as CacheError).code).toBe(errors.E_LOCK_TIMEOUT)
  })

  test('withLock() releases the lock when fn throws', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    await expect(
      cache.withLock('boom', () => {
        throw new Error('inside')
      }),
    ).rejects.toThrow('inside')
    expect(await cache.acquireLock('boom')).not.toBeNull()
  })
})
