import { startRestServer } from '@hotpath/redis-rest/node'
import { awayFromWindowEdge, rawCommand, startRedis } from '@hotpath/test-redis'
import { Redis } from '@upstash/redis'
import { beforeEach, describe, expect, it } from 'vitest'
import { Analytics, Ratelimit } from '../src/index'
import { uniquePrefix } from './fixtures'

// Refusals are counted against real-clock windows of an hour: no test may straddle one.
beforeEach(() => awayFromWindowEdge(3_600_000))

const TOKEN = 'sdk-token'

/** A private Redis behind a REST server, and upstream's own SDK pointed at it. */
async function sdkOverRest(sdkOptions: { enableAutoPipelining?: boolean } = {}) {
  const server = await startRedis()
  const rest = await startRestServer({ redis: server.url, token: TOKEN, port: 0 })
  const sdk = new Redis({ url: rest.url, token: TOKEN, enableTelemetry: false, ...sdkOptions })
  return {
    server,
    rest,
    sdk,
    async [Symbol.asyncDispose]() {
      await rest.close()
      await server.stop()
    },
  }
}

const LIMITERS = {
  fixedWindow: () => Ratelimit.fixedWindow(3, '1 h'),
  slidingWindow: () => Ratelimit.slidingWindow(3, '1 h'),
  tokenBucket: () => Ratelimit.tokenBucket(1, '1 h', 3),
  slidingLogs: () => Ratelimit.slidingLogs(3, '1 h'),
}

describe('an @upstash/redis instance passed as `redis`', () => {
  it.each(Object.entries(LIMITERS))(
    '%s counts from a fresh database and after SCRIPT FLUSH, never failing open',
    async (_, limiter) => {
      await using env = await sdkOverRest()
      const rl = new Ratelimit({
        redis: env.sdk,
        limiter: limiter(),
        prefix: uniquePrefix(),
        ephemeralCache: false,
      })
      const first = await rl.limit('user')
      expect(first).toMatchObject({ success: true, remaining: 2, limit: 3 })
      expect(first.reason).toBeUndefined()
      await rawCommand(env.server.port, ['SCRIPT', 'FLUSH'])
      const rest = []
      for (let i = 0; i < 3; i++) rest.push(await rl.limit('user'))
      expect(rest.map((r) => [r.success, r.remaining, r.reason])).toEqual([
        [true, 1, undefined],
        [true, 0, undefined],
        [false, 0, undefined],
      ])
      await rawCommand(env.server.port, ['SCRIPT', 'FLUSH'])
      expect(await rl.getRemaining('user')).toMatchObject({ remaining: 0, limit: 3 })
    },
  )

  it('concurrent limit() calls after SCRIPT FLUSH share the SDK auto-pipeline and count exactly', async () => {
    await using env = await sdkOverRest()
    const rl = new Ratelimit({
      redis: env.sdk,
      limiter: Ratelimit.fixedWindow(10, '1 h'),
      prefix: uniquePrefix(),
      ephemeralCache: false,
    })
    await rl.limit('warm')
    await rawCommand(env.server.port, ['SCRIPT', 'FLUSH'])
    const before = env.rest.requests
    const results = await Promise.all(Array.from({ length: 20 }, () => rl.limit('user')))
    expect(results.filter((r) => r.success)).toHaveLength(10)
    expect(results.every((r) => r.reason === undefined)).toBe(true)
    // one pipeline of EVALSHA (all NOSCRIPT), one pipeline of EVAL: not 40 requests
    expect(env.rest.requests - before).toBeLessThanOrEqual(4)
  })

  it('works with the SDK auto-pipelining off, and resetUsedTokens clears the count', async () => {
    await using env = await sdkOverRest({ enableAutoPipelining: false })
    const rl = new Ratelimit({
      redis: env.sdk,
      limiter: Ratelimit.slidingWindow(2, '1 h'),
      prefix: uniquePrefix(),
      ephemeralCache: false,
    })
    expect((await rl.limit('user')).success).toBe(true)
    expect((await rl.limit('user')).success).toBe(true)
    expect((await rl.limit('user')).success).toBe(false)
    await rl.resetUsedTokens('user')
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 1 })
  })
})

describe('enableProtection through an @upstash/redis instance', () => {
  it('reads the stored deny list and refreshes an injected IP list with the SDK', async () => {
    await using env = await sdkOverRest()
    const prefix = uniquePrefix()
    await env.sdk.sadd(`${prefix}:denyList:all`, 'bad-user')
    const rl = new Ratelimit({
      redis: env.sdk,
      limiter: Ratelimit.tokenBucket(1, '1 h', 5),
      prefix,
      enableProtection: true,
      ipDenyList: ['192.0.2.1'],
    })
    const first = await rl.limit('good-user')
    expect(first).toMatchObject({ success: true, remaining: 4 })
    await first.pending
    expect(await rl.limit('bad-user')).toMatchObject({ success: false, reason: 'denyList' })
    expect(await rl.limit('x', { ip: '192.0.2.1' })).toMatchObject({
      success: false,
      deniedValue: '192.0.2.1',
    })
  })
})

describe('Analytics', () => {
  it('reads what a Ratelimit with analytics wrote, with upstream method names', async () => {
    await using env = await sdkOverRest()
    const prefix = uniquePrefix()
    const rl = new Ratelimit({
      redis: env.sdk,
      limiter: Ratelimit.fixedWindow(2, '1 h'),
      prefix,
      analytics: true,
    })
    const results = [await rl.limit('alice'), await rl.limit('alice'), await rl.limit('alice')]
    results.push(await rl.limit('bob'))
    await Promise.all(results.map((r) => r.pending))
    const analytics = new Analytics({ redis: env.sdk, prefix })
    expect(await analytics.getUsage()).toEqual({
      alice: { success: 2, blocked: 1 },
      bob: { success: 1, blocked: 0 },
    })
    const top = await analytics.getMostAllowedBlocked(1)
    expect(top.allowed[0]).toEqual({ identifier: 'alice', count: 2 })
    expect(top.ratelimited).toEqual([{ identifier: 'alice', count: 1 }])
    const hours = await analytics.getUsageOverTime(1)
    expect(hours.at(-1)?.alice).toMatchObject({ true: 2, false: 1 })
    expect(analytics.extractGeo({ cf: { country: 'DE' } })).toEqual({ country: 'DE' })
  })
})
