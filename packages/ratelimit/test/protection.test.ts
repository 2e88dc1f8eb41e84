import { createMemoryRedis } from '@hotpath/redis/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errors, IpDenyList, Ratelimit, RatelimitError, ThresholdError } from '../src/index'
import { DRIVERS, type DriverPool, openDriver, uniquePrefix } from './fixtures'

describe.each(DRIVERS)('enableProtection on %s', (driver) => {
  let pool: DriverPool
  beforeAll(async () => {
    pool = await openDriver(driver)
  })
  afterAll(async () => {
    await pool[Symbol.asyncDispose]()
  })

  it('refuses an identifier, ip, user agent or country in <prefix>:denyList:all, then locally for a minute', async () => {
    const redis = pool.client()
    const prefix = uniquePrefix()
    const rl = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(10, '1 h'),
      prefix,
      enableProtection: true,
      ipDenyList: false,
    })
    // upstream's key: what @upstash/ratelimit or the Upstash console wrote is read as is
    await redis.sadd(`${prefix}:denyList:all`, 'bad-user', '198.51.100.9', 'EvilBot', 'XX')
    expect(await rl.limit('good-user')).toMatchObject({ success: true, remaining: 9 })
    const denied = await rl.limit('bad-user')
    expect(denied).toMatchObject({ success: false, remaining: 0, reason: 'denyList' })
    expect(denied.deniedValue).toBe('bad-user')
    for (const [options, value] of [
      [{ ip: '198.51.100.9' }, '198.51.100.9'],
      [{ userAgent: 'EvilBot' }, 'EvilBot'],
      [{ country: 'XX' }, 'XX'],
    ] as const) {
      expect(await rl.limit('other', options)).toMatchObject({
        success: false,
        reason: 'denyList',
        deniedValue: value,
      })
    }
    // removed from Redis: still refused from the process cache for a minute, as upstream
    await redis.srem(`${prefix}:denyList:all`, 'bad-user')
    expect(await rl.limit('bad-user')).toMatchObject({
      success: false,
      reason: 'denyList',
      limit: 0,
      reset: 0,
    })
  })

  it('without enableProtection the stored deny list is not read', async () => {
    const redis = pool.client()
    const prefix = uniquePrefix()
    await redis.sadd(`${prefix}:denyList:all`, 'bad-user')
    const rl = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(10, '1 h'), prefix })
    expect(await rl.limit('bad-user')).toMatchObject({ success: true })
  })

  it('loads an injected IP list when the status is stale, keeps hand-added entries, and disables', async () => {
    const redis = pool.client()
    const prefix = uniquePrefix()
    await redis.sadd(`${prefix}:denyList:all`, 'by-hand')
    let loads = 0
    const rl = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(10, '1 h'),
      prefix,
      enableProtection: true,
      denyListThreshold: 3,
      ipDenyList: (threshold) => {
        loads++
        expect(threshold).toBe(3)
        return ['203.0.113.7', '203.0.113.8']
      },
    })
    // the first call finds no status, claims the refresh and runs it in `pending`
    const first = await rl.limit('a', { ip: '203.0.113.7' })
    expect(first.success).toBe(true)
    await first.pending
    expect(loads).toBe(1)
    expect(await rl.limit('b', { ip: '203.0.113.8' })).toMatchObject({
      success: false,
      reason: 'denyList',
      deniedValue: '203.0.113.8',
    })
    expect((await rl.limit('c')).pending).toBeDefined()
    expect(loads).toBe(1) // status is valid until 2 AM UTC: no second refresh
    expect(await redis.get(`${prefix}:ipDenyListStatus`)).toBe('valid')
    expect((await redis.smembers(`${prefix}:denyList:all`)).sort()).toEqual(
      ['203.0.113.7', '203.0.113.8', 'by-hand'].sort(),
    )
    await IpDenyList.disableIpDenyList(redis, prefix)
    expect(await redis.smembers(`${prefix}:denyList:all`)).toEqual(['by-hand'])
    expect(await redis.get(`${prefix}:ipDenyListStatus`)).toBe('disabled')
  })
})

describe('options', () => {
  const redis = createMemoryRedis()
  afterAll(() => redis.close())

  it('an unknown option is a RatelimitError E_OPTION_UNKNOWN, never ignored', () => {
    const build = () =>
      new Ratelimit({
        redis,
        limiter: Ratelimit.fixedWindow(1, '1 s'),
        enableProtecton: true,
      } as never)
    expect(build).toThrow(RatelimitError)
    expect(build).toThrow(/enableProtecton/)
    try {
      build()
    } catch (error) {
      expect((error as RatelimitError).code).toBe(errors.E_OPTION_UNKNOWN)
    }
  })

  it.each([0, 9, 2.5])(
    'denyListThreshold %s is a ThresholdError (E_OPTION_INVALID)',
    (threshold) => {
      const build = () =>
        new Ratelimit({
          redis,
          limiter: Ratelimit.fixedWindow(1, '1 s'),
          enableProtection: true,
          denyListThreshold: threshold,
        })
      expect(build).toThrow(ThresholdError)
      expect(build).toThrow(expect.objectContaining({ code: errors.E_OPTION_INVALID }))
    },
  )

  it("upstream's cacheScripts and enableTelemetry are accepted", () => {
    expect(
      () =>
        new Ratelimit({
          redis,
          limiter: Ratelimit.fixedWindow(1, '1 s'),
          cacheScripts: true,
          enableTelemetry: false,
        }),
    ).not.toThrow()
  })
})
