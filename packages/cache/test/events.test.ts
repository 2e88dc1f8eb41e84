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
    expect(lines.some((line) => line.startsWith('[hotpath:cache] hit'))).toBe(true)
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
