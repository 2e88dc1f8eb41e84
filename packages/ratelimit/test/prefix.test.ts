import { createMemoryRedis } from '@hotpath/redis/memory'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Ratelimit } from '../src/index'
import { uniquePrefix } from './fixtures'

const redis = createMemoryRedis()
afterAll(() => redis.close())

const saved = process.env.HOTPATH_KEY_PREFIX
afterEach(() => {
  if (saved === undefined) delete process.env.HOTPATH_KEY_PREFIX
  else process.env.HOTPATH_KEY_PREFIX = saved
})

async function keysAfterOneCall(prefix: string | undefined): Promise<string[]> {
  const limiter = new Ratelimit({ redis, limiter: Ratelimit.tokenBucket(1, '1 m', 5), prefix })
  await limiter.limit('id')
  const keys: string[] = []
  for await (const batch of redis.scan({ match: `*${prefix ?? 'ratelimit'}*` })) keys.push(...batch)
  await redis.del(...keys)
  return keys
}

describe('key prefix', () => {
  it('writes a limiter prefix under HOTPATH_KEY_PREFIX, as every package does', async () => {
    const prefix = uniquePrefix()
    process.env.HOTPATH_KEY_PREFIX = 'shop:staging'
    expect(await keysAfterOneCall(prefix)).toEqual([`shop:staging:${prefix}:tb:{id}`])
  })

  it("defaults to 'ratelimit' under HOTPATH_KEY_PREFIX, and to 'ratelimit' alone without it", async () => {
    process.env.HOTPATH_KEY_PREFIX = 'shop'
    expect(await keysAfterOneCall(undefined)).toEqual(['shop:ratelimit:tb:{id}'])
    delete process.env.HOTPATH_KEY_PREFIX
    expect(await keysAfterOneCall(undefined)).toEqual(['ratelimit:tb:{id}'])
  })
})
