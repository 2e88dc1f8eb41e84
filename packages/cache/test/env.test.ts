import { createMemoryRedis } from '@hotpath/redis/memory'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CacheError, createCache } from '../src/index'

const redis = createMemoryRedis()
afterAll(() => redis.close())

const saved = process.env.CACHE_DEFAULT_TTL
afterEach(() => {
  if (saved === undefined) delete process.env.CACHE_DEFAULT_TTL
  else process.env.CACHE_DEFAULT_TTL = saved
})

/** The Redis expiry, in ms, of an entry written without a ttl of its own. */
async function defaultExpiry(options: Parameters<typeof createCache>[0] = { redis }) {
  const key = `env-${Math.random().toString(36).slice(2)}`
  expect(await createCache(options).set(key, 'v')).toBe(true)
  return redis.pttl(key)
}

describe('CACHE_DEFAULT_TTL', () => {
  it('sets the default ttl in seconds', async () => {
    process.env.CACHE_DEFAULT_TTL = '300'
    const ms = await defaultExpiry()
    expect(ms).toBeGreaterThan(290_000)
    expect(ms).toBeLessThanOrEqual(300_000)
  })

  it('also takes the shared duration forms', async () => {
    process.env.CACHE_DEFAULT_TTL = '2h'
    expect(await defaultExpiry()).toBeGreaterThan(7_000_000)
  })

  it('gives way to a ttl the app set in code', async () => {
    process.env.CACHE_DEFAULT_TTL = '2h'
    expect(await defaultExpiry({ redis, defaults: { ttl: '10s' } })).toBeLessThanOrEqual(10_000)
  })

  it('leaves the 60 s default when unset or blank', async () => {
    process.env.CACHE_DEFAULT_TTL = '  '
    const ms = await defaultExpiry()
    expect(ms).toBeGreaterThan(50_000)
    expect(ms).toBeLessThanOrEqual(60_000)
  })

  it.each(['soon', '0', '-5', '10 secs', '1y'])(
    'refuses %j at createCache with E_OPTION_INVALID naming the variable',
    (value) => {
      process.env.CACHE_DEFAULT_TTL = value
      expect(() => createCache({ redis: null })).toThrowError(
        expect.objectContaining({
          constructor: CacheError,
          code: 'E_OPTION_INVALID',
          message: expect.stringContaining('CACHE_DEFAULT_TTL must be'),
        }),
      )
    },
  )
})
