import { createMemoryRedis } from '@hotpath/redis/memory'
import { awayFromWindowEdge } from '@hotpath/test-redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { errors, Ratelimit } from '../src/index'
import { type DriverPool, openDriver, uniquePrefix } from './fixtures'

beforeEach(() => awayFromWindowEdge(3_600_000))

describe('Ratelimit.cachedFixedWindow', () => {
  let pool: DriverPool
  beforeAll(async () => {
    pool = await openDriver('rest')
  })
  afterAll(async () => {
    await pool[Symbol.asyncDispose]()
  })

  it('reads Redis once per window, then decides in the process and writes in the background', async () => {
    const prefix = uniquePrefix()
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.cachedFixedWindow(3, '1 h'),
      prefix,
    })
    await rl.limit('warm') // the script's first run may pay a NOSCRIPT
    let before = pool.requests()
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 2, limit: 3 })
    expect(pool.requests() - before).toBe(1)
    const second = await rl.limit('user')
    const third = await rl.limit('user')
    expect([second.success, second.remaining, third.success, third.remaining]).toEqual([
      true,
      1,
      true,
      0,
    ])
    await Promise.all([second.pending, third.pending])
    before = pool.requests()
    // refused locally: no request at all
    expect(await rl.limit('user')).toMatchObject({ success: false, remaining: 0 })
    expect(pool.requests() - before).toBe(0)
    // another process reads what the background writes left in Redis
    const other = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.cachedFixedWindow(3, '1 h'),
      prefix,
    })
    expect(await other.limit('user')).toMatchObject({ success: false, remaining: 0 })
    expect(await rl.getRemaining('user')).toMatchObject({ remaining: 0 })
  })

  it('needs the ephemeral cache, as upstream', () => {
    const redis = createMemoryRedis()
    expect(
      () =>
        new Ratelimit({
          redis,
          limiter: Ratelimit.cachedFixedWindow(3, '1 h'),
          ephemeralCache: false,
        }),
    ).toThrow(expect.objectContaining({ code: errors.E_OPTION_INVALID }))
    return redis.close()
  })
})
