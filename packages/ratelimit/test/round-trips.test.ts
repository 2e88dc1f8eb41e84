import { awayFromWindowEdge } from '@hotpath/test-redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Ratelimit } from '../src/index'
import { type DriverPool, openDriver, uniquePrefix } from './fixtures'

// Refusals are counted against real-clock windows of a minute or an hour: no test may straddle one.
beforeEach(() => awayFromWindowEdge(60_000))

/** Round trips are counted where they cost money: HTTP requests at the REST server. */
describe('round trips, counted at the REST server', () => {
  let pool: DriverPool
  beforeAll(async () => {
    pool = await openDriver('rest')
  })
  afterAll(async () => {
    await pool[Symbol.asyncDispose]()
  })

  const counted = async (fn: () => Promise<unknown>) => {
    const before = pool.requests()
    await fn()
    return pool.requests() - before
  }

  it.each([
    ['fixedWindow', Ratelimit.fixedWindow(1000, '1 m')],
    ['slidingWindow', Ratelimit.slidingWindow(1000, '1 m')],
    ['tokenBucket', Ratelimit.tokenBucket(10, '1 m', 1000)],
    ['slidingLogs', Ratelimit.slidingLogs(1000, '1 m')],
  ])('%s: 50 limit() calls cost 50 requests, with a dynamic limit too', async (_, limiter) => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter,
      prefix: uniquePrefix(),
      dynamicLimits: true,
    })
    await rl.limit('warm') // loads the script once
    expect(
      await counted(async () => {
        for (let i = 0; i < 50; i++) await rl.limit('user')
      }),
    ).toBe(50)
  })

  it('an identifier the ephemeral cache knows is blocked costs no request until its reset', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.fixedWindow(1, '1 h'),
      prefix: uniquePrefix(),
    })
    await rl.limit('user')
    const refused = await rl.limit('user')
    expect(refused.success).toBe(false)
    let cached: Awaited<ReturnType<typeof rl.limit>> | undefined
    expect(
      await counted(async () => {
        for (let i = 0; i < 20; i++) cached = await rl.limit('user')
      }),
    ).toBe(0)
    expect(cached).toMatchObject({
      success: false,
      reason: 'cacheBlock',
      reset: refused.reset,
      remaining: 0,
    })
    // other identifiers still ask Redis
    expect(await counted(() => rl.limit('someone-else'))).toBe(1)
  })

  it('a refund clears the ephemeral block, and resetUsedTokens does too', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.slidingLogs(1, '1 h'),
      prefix: uniquePrefix(),
    })
    await rl.limit('user')
    expect((await rl.limit('user')).success).toBe(false)
    expect((await rl.limit('user', { rate: -1 })).success).toBe(true)
    expect((await rl.limit('user')).success).toBe(true)
    expect((await rl.limit('user')).reason).toBeUndefined()
    await rl.resetUsedTokens('user')
    const after = await rl.limit('user')
    expect(after.success).toBe(true)
    expect(after.reason).toBeUndefined()
  })

  it('the local deny list refuses without a request, on identifier, ip, user agent or country', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.fixedWindow(10, '1 m'),
      prefix: uniquePrefix(),
      denyList: ['bad-user', '203.0.113.9', 'BadBot/1.0', 'XX'],
    })
    await rl.limit('warm')
    const results = await Promise.all([
      rl.limit('bad-user'),
      rl.limit('u1', { ip: '203.0.113.9' }),
      rl.limit('u2', { userAgent: 'BadBot/1.0' }),
      rl.limit('u3', { geo: { country: 'XX' } }),
    ])
    expect(
      await counted(() =>
        Promise.all([rl.limit('bad-user'), rl.limit('u1', { ip: '203.0.113.9' })]),
      ),
    ).toBe(0)
    expect(results.map((r) => [r.success, r.reason, r.deniedValue])).toEqual([
      [false, 'denyList', 'bad-user'],
      [false, 'denyList', '203.0.113.9'],
      [false, 'denyList', 'BadBot/1.0'],
      [false, 'denyList', 'XX'],
    ])
  })

  it('40 concurrent limit() calls share one request, and their analytics one more after limit() answered', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.fixedWindow(30, '1 h'),
      prefix: uniquePrefix(),
      analytics: true,
      ephemeralCache: false,
    })
    await rl.limit('warm').then((r) => r.pending)
    const before = pool.requests()
    const results = await Promise.all(Array.from({ length: 40 }, () => rl.limit('user')))
    expect(pool.requests() - before).toBe(1)
    expect(results.filter((r) => r.success)).toHaveLength(30)
    await Promise.all(results.map((r) => r.pending))
    expect(pool.requests() - before).toBe(2)
    const points = await rl.getAnalytics({ identifier: 'user', since: Date.now() - 120_000 })
    const total = points.reduce(
      (sum, p) => ({ allowed: sum.allowed + p.allowed, blocked: sum.blocked + p.blocked }),
      { allowed: 0, blocked: 0 },
    )
    expect(total).toEqual({ allowed: 30, blocked: 10 })
    expect(points.every((p) => p.identifier === 'user' && p.time % 60_000 === 0)).toBe(true)
  })

  it('without its own autoPipeline, concurrent limit() calls still share the upstash driver batch', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.slidingWindow(100, '1 h'),
      prefix: uniquePrefix(),
      autoPipeline: false,
    })
    await rl.limit('warm')
    expect(
      await counted(() => Promise.all(Array.from({ length: 10 }, () => rl.limit('user')))),
    ).toBe(1)
  })

  it('blockUntilReady waits for the reset and then admits', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.slidingLogs(1, '400 ms'),
      prefix: uniquePrefix(),
    })
    const first = await rl.limit('user')
    const started = Date.now()
    const result = await rl.blockUntilReady('user', 2000)
    expect(result.success).toBe(true)
    expect(Date.now()).toBeGreaterThanOrEqual(first.reset)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('blockUntilReady gives up at its timeout with the last refusal', async () => {
    const rl = new Ratelimit({
      redis: pool.client(),
      limiter: Ratelimit.fixedWindow(1, '1 h'),
      prefix: uniquePrefix(),
    })
    await rl.limit('user')
    const started = Date.now()
    const result = await rl.blockUntilReady('user', 150)
    expect(result.success).toBe(false)
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
