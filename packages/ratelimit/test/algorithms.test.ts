import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Ratelimit, type RatelimitOptions } from '../src/index'
import { DRIVERS, type DriverPool, openDriver, uniquePrefix } from './fixtures'

const WINDOW = 10_000
/**
 * A boundary of `window` comfortably ahead of the real clock, so every test starts at a known
 * phase of its limiter's window (a test whose window is longer than WINDOW passes its own).
 */
const boundary = (window = WINDOW) => (Math.floor(Date.now() / window) + 2) * window

function at(time: number) {
  vi.setSystemTime(time)
}

describe.each(DRIVERS)('on %s', (driver) => {
  let pool: DriverPool

  beforeAll(async () => {
    pool = await openDriver(driver)
  })
  afterAll(async () => {
    await pool[Symbol.asyncDispose]()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const make = (limiter: RatelimitOptions['limiter'], options: Partial<RatelimitOptions> = {}) => {
    vi.useFakeTimers({ toFake: ['Date'] })
    return new Ratelimit({
      redis: pool.client(),
      limiter,
      prefix: uniquePrefix(),
      ephemeralCache: false,
      ...options,
    })
  }

  it('fixedWindow counts down, refuses at the limit, and resets at the window end', async () => {
    const rl = make(Ratelimit.fixedWindow(3, '10 s'))
    const b = boundary()
    at(b + 2000)
    const results = []
    for (let i = 0; i < 4; i++) results.push(await rl.limit('user'))
    expect(results.map((r) => [r.success, r.remaining, r.reset, r.limit])).toEqual([
      [true, 2, b + WINDOW, 3],
      [true, 1, b + WINDOW, 3],
      [true, 0, b + WINDOW, 3],
      [false, 0, b + WINDOW, 3],
    ])
    at(b + WINDOW - 1)
    expect((await rl.limit('user')).success).toBe(false)
    at(b + WINDOW)
    expect(await rl.limit('user')).toMatchObject({
      success: true,
      remaining: 2,
      reset: b + 2 * WINDOW,
    })
  })

  it('slidingWindow refuses at the limit and reset is the first millisecond the weighted estimate admits again', async () => {
    const rl = make(Ratelimit.slidingWindow(3, '10 s'))
    const b = boundary()
    at(b + 5000)
    for (let i = 0; i < 3; i++) expect((await rl.limit('user')).success).toBe(true)
    const refused = await rl.limit('user')
    expect(refused).toMatchObject({ success: false, remaining: 0 })
    // next window: floor((1 - p) * 3) + 1 <= 3 first holds one ms after the boundary
    expect(refused.reset).toBe(b + WINDOW + 1)
    at(refused.reset - 1)
    expect((await rl.limit('user')).success).toBe(false)
    at(refused.reset)
    expect(await rl.limit('user')).toMatchObject({ success: true, reset: b + 2 * WINDOW })
  })

  it('slidingWindow weighs the previous window and computes reset inside the current one', async () => {
    const rl = make(Ratelimit.slidingWindow(4, '10 s'))
    const b = boundary()
    at(b + 1000)
    for (let i = 0; i < 4; i++) expect((await rl.limit('user')).success).toBe(true)
    // a quarter into the next window, 3 of the previous 4 still count: one request fits
    at(b + WINDOW + 2500)
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 0 })
    const refused = await rl.limit('user')
    expect(refused.success).toBe(false)
    // needs floor((1 - p) * 4) + 1 + 1 <= 4, i.e. (1 - p) * 4 < 3: p > 0.25
    expect(refused.reset).toBe(b + WINDOW + 2501)
    at(refused.reset)
    expect((await rl.limit('user')).success).toBe(true)
  })

  it('tokenBucket starts full, refuses when empty and reset is the refill that brings a token', async () => {
    const rl = make(Ratelimit.tokenBucket(1, '10 s', 3))
    const t0 = boundary() + 1234
    at(t0)
    const results = []
    for (let i = 0; i < 4; i++) results.push(await rl.limit('user'))
    expect(results.map((r) => [r.success, r.remaining, r.reset])).toEqual([
      [true, 2, t0 + WINDOW],
      [true, 1, t0 + WINDOW],
      [true, 0, t0 + WINDOW],
      [false, 0, t0 + WINDOW],
    ])
    at(t0 + WINDOW - 1)
    expect((await rl.limit('user')).success).toBe(false)
    at(t0 + WINDOW)
    expect(await rl.limit('user')).toMatchObject({
      success: true,
      remaining: 0,
      reset: t0 + 2 * WINDOW,
    })
  })

  it('tokenBucket refuses a rate larger than the tokens left without spending them', async () => {
    const rl = make(Ratelimit.tokenBucket(2, '10 s', 5))
    const t0 = boundary()
    at(t0)
    expect(await rl.limit('user', { rate: 4 })).toMatchObject({ success: true, remaining: 1 })
    const refused = await rl.limit('user', { rate: 4 })
    expect(refused).toMatchObject({ success: false, remaining: 1 })
    // 1 token left, 2 per refill: one refill gives 3, the second reaches 4
    expect(refused.reset).toBe(t0 + 2 * WINDOW)
    expect(await rl.limit('user', { rate: 1 })).toMatchObject({ success: true, remaining: 0 })
  })

  it('tokenBucket refuses a rate above maxTokens with reset at the next refill, never now', async () => {
    const cache = new Map<string, number>()
    const rl = make(Ratelimit.tokenBucket(1, '10 s', 3), { ephemeralCache: cache })
    const t0 = boundary()
    at(t0)
    // a full bucket: the old code answered reset = now, so nothing cached the refusal
    const refused = await rl.limit('user', { rate: 5 })
    expect(refused).toMatchObject({ success: false, remaining: 3, reset: t0 + WINDOW })
    at(t0 + 1)
    expect(await rl.limit('user', { rate: 5 })).toMatchObject({
      success: false,
      reason: 'cacheBlock',
      reset: t0 + WINDOW,
    })
  })

  it('tokenBucket: a refund lifts remaining above maxTokens until the next refill caps it, as upstream', async () => {
    const rl = make(Ratelimit.tokenBucket(1, '10 s', 3))
    const t0 = boundary()
    at(t0)
    expect(await rl.limit('user', { rate: -2 })).toMatchObject({ success: true, remaining: 5 })
    expect(await rl.getRemaining('user')).toMatchObject({ remaining: 5 })
    expect(await rl.limit('user', { rate: 4 })).toMatchObject({ success: true, remaining: 1 })
    expect(await rl.limit('user', { rate: -4 })).toMatchObject({ success: true, remaining: 5 })
    at(t0 + WINDOW)
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 2 })
  })

  it('slidingLogs admits exactly the limit within any window and reset is when the oldest entry leaves', async () => {
    const rl = make(Ratelimit.slidingLogs(3, '10 s'))
    const t0 = boundary() + 777
    for (let i = 0; i < 3; i++) {
      at(t0 + i * 1000)
      expect(await rl.limit('user')).toMatchObject({
        success: true,
        remaining: 2 - i,
        reset: t0 + WINDOW,
      })
    }
    at(t0 + 3000)
    expect(await rl.limit('user')).toMatchObject({
      success: false,
      remaining: 0,
      reset: t0 + WINDOW,
    })
    at(t0 + WINDOW - 1)
    expect((await rl.limit('user')).success).toBe(false)
    at(t0 + WINDOW)
    expect(await rl.limit('user')).toMatchObject({
      success: true,
      remaining: 0,
      reset: t0 + 1000 + WINDOW,
    })
  })

  it('slidingLogs reset for a rate of 2 waits for the second-oldest entry', async () => {
    const rl = make(Ratelimit.slidingLogs(3, '10 s'))
    const t0 = boundary()
    for (let i = 0; i < 3; i++) {
      at(t0 + i * 1000)
      await rl.limit('user')
    }
    at(t0 + 5000)
    expect(await rl.limit('user', { rate: 2 })).toMatchObject({
      success: false,
      reset: t0 + 1000 + WINDOW,
    })
  })

  it.each([
    ['fixedWindow', Ratelimit.fixedWindow(3, '1 h')],
    ['slidingWindow', Ratelimit.slidingWindow(3, '1 h')],
    ['tokenBucket', Ratelimit.tokenBucket(1, '1 h', 3)],
    ['slidingLogs', Ratelimit.slidingLogs(3, '1 h')],
  ])(
    '%s: getRemaining does not consume, a refund gives back, resetUsedTokens forgets',
    async (_, limiter) => {
      const rl = make(limiter)
      expect(await rl.getRemaining('user')).toMatchObject({ remaining: 3, limit: 3 })
      await rl.limit('user')
      for (let i = 0; i < 5; i++) expect((await rl.getRemaining('user')).remaining).toBe(2)
      await rl.limit('user')
      await rl.limit('user')
      const empty = await rl.getRemaining('user')
      expect(empty.remaining).toBe(0)
      expect(empty.reset).toBeGreaterThan(Date.now())
      expect((await rl.limit('user')).success).toBe(false)
      expect(await rl.limit('user', { rate: -1 })).toMatchObject({ success: true })
      expect((await rl.getRemaining('user')).remaining).toBe(1)
      await rl.resetUsedTokens('user')
      expect((await rl.getRemaining('user')).remaining).toBe(3)
      expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 2 })
    },
  )

  it('a refused request with rate > 1 consumes nothing on the fixed window', async () => {
    const rl = make(Ratelimit.fixedWindow(5, '1 h'))
    expect(await rl.limit('user', { rate: 4 })).toMatchObject({ success: true, remaining: 1 })
    expect(await rl.limit('user', { rate: 2 })).toMatchObject({ success: false, remaining: 1 })
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 0 })
  })

  it('identifiers are counted apart, including ones that look like key syntax', async () => {
    const rl = make(Ratelimit.fixedWindow(1, '1 h'))
    expect((await rl.limit('a:b')).success).toBe(true)
    expect((await rl.limit('a')).success).toBe(true)
    expect((await rl.limit('{a}:b*')).success).toBe(true)
    expect((await rl.limit('a:b')).success).toBe(false)
  })

  it('a dynamic limit per identifier applies in the same script and can be removed', async () => {
    const rl = make(Ratelimit.slidingWindow(5, '1 h'), { dynamicLimits: true })
    await rl.setDynamicLimit({ identifier: 'free-user', limit: 1 })
    expect(await rl.getDynamicLimit({ identifier: 'free-user' })).toEqual({ dynamicLimit: 1 })
    expect(await rl.limit('free-user')).toMatchObject({ success: true, limit: 1, remaining: 0 })
    expect(await rl.limit('free-user')).toMatchObject({ success: false, limit: 1 })
    expect(await rl.limit('other-user')).toMatchObject({ success: true, limit: 5, remaining: 4 })
    await rl.setDynamicLimit({ identifier: 'free-user', limit: false })
    expect(await rl.getDynamicLimit({ identifier: 'free-user' })).toEqual({ dynamicLimit: null })
    expect(await rl.limit('free-user')).toMatchObject({ success: true, limit: 5, remaining: 3 })
  })

  it('a global dynamic limit applies to every identifier; a per-identifier one wins over it', async () => {
    const rl = make(Ratelimit.fixedWindow(5, '1 h'), { dynamicLimits: true })
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: null })
    await rl.setDynamicLimit({ limit: 2 })
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: 2 })
    expect(await rl.limit('a')).toMatchObject({ success: true, limit: 2, remaining: 1 })
    expect(await rl.limit('a')).toMatchObject({ success: true, limit: 2, remaining: 0 })
    expect(await rl.limit('a')).toMatchObject({ success: false, limit: 2 })
    await rl.setDynamicLimit({ identifier: 'vip', limit: 4 })
    expect(await rl.limit('vip')).toMatchObject({ success: true, limit: 4, remaining: 3 })
    expect(await rl.getRemaining('b')).toMatchObject({ remaining: 2, limit: 2 })
    await rl.setDynamicLimit({ limit: false })
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: null })
    expect(await rl.limit('a')).toMatchObject({ success: true, limit: 5, remaining: 2 })
    expect(await rl.limit('vip')).toMatchObject({ success: true, limit: 4, remaining: 2 })
  })

  it("without dynamicLimits, setDynamicLimit and getDynamicLimit throw upstream's message", async () => {
    const rl = make(Ratelimit.fixedWindow(5, '1 h'))
    await expect(rl.setDynamicLimit({ limit: 3 })).rejects.toThrow(
      'dynamicLimits must be enabled in the Ratelimit constructor to use setDynamicLimit()',
    )
    await expect(rl.getDynamicLimit()).rejects.toMatchObject({
      name: 'RatelimitError',
      code: 'E_OPTION_INVALID',
      message:
        'dynamicLimits must be enabled in the Ratelimit constructor to use getDynamicLimit()',
    })
  })

  it('a per-call limit serves tiers from one limiter', async () => {
    const rl = make(Ratelimit.tokenBucket(1, '1 h', 2))
    expect(await rl.limit('pro', { limit: 10 })).toMatchObject({
      success: true,
      limit: 10,
      remaining: 9,
    })
    expect(await rl.limit('free')).toMatchObject({ success: true, limit: 2, remaining: 1 })
  })

  it('analytics count allowed and blocked per identifier per minute, readable for a chart', async () => {
    const rl = make(Ratelimit.fixedWindow(2, '1 h'), { analytics: true })
    // Hour-aligned: both batches (30 s and 90 s in) must fall in one window of the limiter.
    const t0 = boundary(3_600_000)
    at(t0 + 30_000)
    const first = await Promise.all([
      rl.limit('alice'),
      rl.limit('alice'),
      rl.limit('alice'),
      rl.limit('bob'),
    ])
    at(t0 + 90_000)
    const second = await Promise.all([rl.limit('bob'), rl.limit('bob')])
    await Promise.all([...first, ...second].map((r) => r.pending))
    const points = await rl.getAnalytics({ since: t0, until: t0 + 90_000 })
    const minute = (n: number) => Math.floor((t0 + n) / 60_000) * 60_000
    expect(
      points.sort((a, b) => a.time - b.time || a.identifier.localeCompare(b.identifier)),
    ).toEqual([
      { time: minute(30_000), identifier: 'alice', allowed: 2, blocked: 1, denied: 0 },
      { time: minute(30_000), identifier: 'bob', allowed: 1, blocked: 0, denied: 0 },
      { time: minute(90_000), identifier: 'bob', allowed: 1, blocked: 1, denied: 0 },
    ])
    expect(
      await rl.getAnalytics({ since: t0, until: t0 + 90_000, identifier: 'alice' }),
    ).toHaveLength(1)
  })
})
