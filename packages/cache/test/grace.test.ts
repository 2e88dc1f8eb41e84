import { describe, expect, test } from 'vitest'
import { CacheError, errors } from '../src/index'
import { eventually, range, redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('grace and timeouts on %s', (target) => {
  test('inside grace the stale value is returned at once and refreshed in the background', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, { prefix: id, defaults: { ttl: 0.2, grace: 60 } })
    if (!cache) throw new Error('cache expected')
    const failures: unknown[] = []
    cache.on('error', (event) => failures.push(event))
    await cache.getOrSet(`${id}:k`, () => 'v1')
    await sleep(250)
    let refreshed = false
    const started = Date.now()
    const stale = await cache.getOrSet(`${id}:k`, async () => {
      await sleep(800)
      refreshed = true
      return 'v2'
    })
    expect(stale).toBe('v1')
    // well before the refresh could have finished (slack for a busy machine)
    expect(Date.now() - started).toBeLessThan(500)
    await eventually(() => refreshed).catch((error: unknown) => {
      throw new Error(`no refresh; errors: ${JSON.stringify(failures)}`, { cause: error })
    })
    await eventually(async () => (await cache.get(`${id}:k`)) === 'v2')
    expect(cache.stats().default?.staleServed).toBe(1)
  })

  test('past grace the entry is a miss', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, {
      prefix: id,
      defaults: { ttl: 0.1, grace: 0.1 },
    })
    if (!cache) throw new Error('cache expected')
    await cache.getOrSet(`${id}:k`, () => 'v1')
    await sleep(300)
    expect(await cache.getOrSet(`${id}:k`, () => 'v2')).toBe('v2')
  })

  test('stale-if-error: a failing refresh keeps serving the graced value', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, {
      prefix: id,
      defaults: { ttl: 0.1, grace: 60, softTimeout: 500, graceBackoff: 100 },
    })
    if (!cache) throw new Error('cache expected')
    await cache.getOrSet(`${id}:k`, () => 'good')
    await sleep(150)
    const value = await cache.getOrSet(`${id}:k`, () => {
      throw new Error('source down')
    })
    expect(value).toBe('good')
    expect(cache.stats().default?.errors).toBeGreaterThanOrEqual(1)
  })

  test('after a failed refresh, no instance retries before graceBackoff', async () => {
    const id = runId()
    const caches = await redis.caches(target, 3, {
      prefix: id,
      defaults: { ttl: 0.1, grace: 60, softTimeout: 300, graceBackoff: 1000 },
    })
    await caches[0]?.getOrSet(`${id}:k`, () => 'good')
    await sleep(150)
    let runs = 0
    const failing = () => {
      runs++
      throw new Error('down')
    }
    for (const cache of caches) expect(await cache.getOrSet(`${id}:k`, failing)).toBe('good')
    expect(runs).toBe(1)
    await sleep(1100)
    expect(await caches[1]?.getOrSet(`${id}:k`, () => 'better')).toBe('better')
  })

  test('a soft timeout returns the stale value while a slow loader finishes in the background', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, {
      prefix: id,
      defaults: { ttl: 0.1, grace: 60, softTimeout: 50 },
    })
    if (!cache) throw new Error('cache expected')
    await cache.getOrSet(`${id}:k`, () => 'old')
    await sleep(150)
    const started = Date.now()
    const value = await cache.getOrSet(`${id}:k`, async () => {
      await sleep(800)
      return 'new'
    })
    expect(value).toBe('old')
    expect(Date.now() - started).toBeLessThan(500)
    await eventually(async () => (await cache.get(`${id}:k`)) === 'new')
  })

  test('within the soft timeout a fast refresh answers with the new value', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, {
      prefix: id,
      defaults: { ttl: 0.1, grace: 60, softTimeout: 1000 },
    })
    if (!cache) throw new Error('cache expected')
    await cache.getOrSet(`${id}:k`, () => 'old')
    await sleep(150)
    expect(await cache.getOrSet(`${id}:k`, () => 'new')).toBe('new')
  })

  test('a hard timeout without a stale value throws E_HARD_TIMEOUT and still fills the cache', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, { prefix: id })
    if (!cache) throw new Error('cache expected')
    const started = Date.now()
    const error = await cache
      .getOrSet(
        `${id}:k`,
        async () => {
          await sleep(800)
          return 'late'
        },
        { hardTimeout: 50 },
      )
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CacheError)
    expect((error as CacheError).code).toBe(errors.E_HARD_TIMEOUT)
    expect(Date.now() - started).toBeLessThan(500)
    await eventually(async () => (await cache.get(`${id}:k`)) === 'late')
  })

  test('a background refresh runs once across 10 clients reading the same stale key', async () => {
    const id = runId()
    const caches = await redis.caches(target, 10, {
      prefix: id,
      defaults: { ttl: 0.2, grace: 60 },
    })
    await caches[0]?.getOrSet(`${id}:k`, () => 0)
    await sleep(250)
    let runs = 0
    const loader = async () => {
      runs++
      await sleep(100)
      return 1
    }
    const values = await Promise.all(
      caches.flatMap((cache) => range(20).map(() => cache.getOrSet(`${id}:k`, loader))),
    )
    expect(values.every((value) => value === 0)).toBe(true)
    await eventually(async () => (await caches[5]?.get(`${id}:k`)) === 1)
    // Readers that arrive while the refreshed value lands must not start another refresh.
    await Promise.all(caches.map((cache) => cache.getOrSet(`${id}:k`, loader)))
    await sleep(200)
    expect(runs).toBe(1)
  })
})
