import { afterEach, describe, expect, test, vi } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId } from './fixtures'

const redis = redisFixture()

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

describe('observability', () => {
  test('events report hits, misses with their reason, loads and invalidations', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect('standalone'), prefix: id })
    const seen: string[] = []
    cache.on('hit', () => seen.push('hit'))
    cache.on('miss', (event) => seen.push(`miss:${event.reason}`))
    cache.on('load', (event) => seen.push(`load:${event.cached}`))
    const off = cache.on('invalidate', (event) => seen.push(`invalidate:${event.tags?.join()}`))
    await cache.getOrSet(`${id}:k`, () => 1, { tags: ['t'] })
    await cache.getOrSet(`${id}:k`, () => 1, { tags: ['t'] })
    await cache.invalidateTags(['t'])
    off()
    await cache.invalidateTags(['t'])
    await cache.getOrSet(`${id}:k`, () => 1, { tags: ['t'] })
    expect(seen).toEqual([
      'miss:absent',
      'load:true',
      'hit',
      'invalidate:t',
      'miss:invalidated',
      'load:true',
    ])
  })

  test('stats count hits per namespace and start again from zero after resetStats()', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect('standalone'), prefix: id })
    await cache.getOrSet(`${id}:k`, () => 1)
    await cache.getOrSet(`${id}:k`, () => 1)
    expect(cache.stats().default).toMatchObject({ hits: 1, misses: 1, loaderRuns: 1 })
    cache.resetStats()
    expect(cache.stats()).toEqual({})
    // the namespace counted last before the reset must not keep adding to its old counters
    await cache.getOrSet(`${id}:k`, () => 1)
    expect(cache.stats().default).toEqual({
      hits: 1,
      l1Hits: 0,
      l2Hits: 1,
      misses: 0,
      staleServed: 0,
      loaderRuns: 0,
      errors: 0,
    })
  })

  test('a listener added twice is called once, and none is called after every unsubscribe', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect('standalone'), prefix: id })
    let hits = 0
    const listener = () => {
      hits++
    }
    const first = cache.on('hit', listener)
    const second = cache.on('hit', listener)
    await cache.getOrSet(`${id}:k`, () => 1)
    await cache.getOrSet(`${id}:k`, () => 1)
    expect(hits).toBe(1)
    first()
    second()
    const other = cache.on('miss', () => {})
    await cache.getOrSet(`${id}:k`, () => 1)
    expect(hits).toBe(1)
    other()
    // a listener added again after all were removed is heard again
    cache.on('hit', listener)
    await cache.getOrSet(`${id}:k`, () => 1)
    expect(hits).toBe(2)
  })

  test('LOG_LEVEL=debug prints one line per event', async () => {
    vi.stubEnv('LOG_LEVEL', 'debug')
    const lines: string[] = []
    vi.spyOn(console, 'debug').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '))
    })
    const id = runId()
    const cache = createCache({ redis: await redis.connect('standalone'), prefix: id })
    await cache.getOrSet(`${id}:k`, () => 1)
    await cache.getOrSet(`${id}:k`, () => 1)
    expect(
      lines.some((line) => line.startsWith('[hotpath:cache] miss') && line.includes(`${id}:k`)),
    ).toBe(true)
    expect(lines.some((line) => line.startsWith('[hotpath:cache] HIT l2'))).toBe(true)
  })

  test('a throwing listener does not break the read that emitted the event', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect('standalone'), prefix: id })
    cache.on('miss', () => {
      throw new Error('listener bug')
    })
    expect(await cache.getOrSet(`${id}:k`, () => 'ok')).toBe('ok')
  })
})
