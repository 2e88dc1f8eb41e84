/**
 * One suite, run against `@upstash/ratelimit` (the reference) and `@hotpath/ratelimit`, with
 * the same calls and the same expected public results. Upstream runs only over REST (it takes
 * an `@upstash/redis` instance); hotpath runs with that same SDK instance, with its own REST
 * client, and over TCP. A test that passes for upstream and fails for hotpath is a break in
 * the drop-in promise; where hotpath differs on purpose the assertion is left out and the
 * README says why.
 */
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { rawCommand, redisTargets } from '@hotpath/test-redis'
import {
  MultiRegionRatelimit as UpstreamMultiRegion,
  Ratelimit as UpstreamRatelimit,
} from '@upstash/ratelimit'
import { Redis } from '@upstash/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  MultiRegionRatelimit as HotpathMultiRegion,
  Ratelimit as HotpathRatelimit,
} from '../src/index'
import { uniquePrefix } from './fixtures'

type Response = {
  success: boolean
  limit: number
  remaining: number
  reset: number
  pending: Promise<unknown>
  reason?: string
  deniedValue?: string
}

/** The public surface both packages share, as a file written for upstream uses it. */
type Instance = {
  limit(identifier: string, options?: { rate?: number; ip?: string }): Promise<Response>
  getRemaining(identifier: string): Promise<{ remaining: number; reset: number; limit: number }>
  resetUsedTokens(identifier: string): Promise<void>
  setDynamicLimit(options: { limit: number | false }): Promise<void>
  getDynamicLimit(): Promise<{ dynamicLimit: number | null }>
}
type Algorithm = unknown
type RatelimitClass = {
  new (options: Record<string, unknown>): Instance
  fixedWindow(tokens: number, window: `${number} ${'s' | 'h'}`): Algorithm
  slidingWindow(tokens: number, window: `${number} ${'s' | 'h'}`): Algorithm
  tokenBucket(refill: number, interval: `${number} ${'s' | 'h'}`, max: number): Algorithm
  cachedFixedWindow(tokens: number, window: `${number} ${'s' | 'h'}`): Algorithm
}
type MultiRegionClass = {
  new (options: Record<string, unknown>): Instance
  fixedWindow(tokens: number, window: `${number} ${'s' | 'h'}`): Algorithm
  slidingWindow(tokens: number, window: `${number} ${'s' | 'h'}`): Algorithm
}

const TOKEN = 'compat-token'
const HOUR = 3_600_000
let rest: Awaited<ReturnType<typeof startRestServer>>
beforeAll(async () => {
  rest = await startRestServer({ redis: redisTargets().standalone.url, token: TOKEN, port: 0 })
})
afterAll(() => rest.close())

const sdk = () => new Redis({ url: rest.url, token: TOKEN, enableTelemetry: false })
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.allSettled(closers.splice(0).map((close) => close()))
})
function hotpathRest() {
  const client = createUpstashRedis({ url: rest.url, token: TOKEN })
  closers.push(() => client.close())
  return client
}
function hotpathTcp() {
  const client = createTcpRedis({ url: redisTargets().standalone.url })
  closers.push(() => client.close())
  return client
}

const TARGETS = [
  ['@upstash/ratelimit + @upstash/redis (REST)', UpstreamRatelimit, UpstreamMultiRegion, sdk],
  ['@hotpath/ratelimit + @upstash/redis (REST)', HotpathRatelimit, HotpathMultiRegion, sdk],
  [
    '@hotpath/ratelimit + hotpath upstash client (REST)',
    HotpathRatelimit,
    HotpathMultiRegion,
    hotpathRest,
  ],
  ['@hotpath/ratelimit + hotpath tcp client', HotpathRatelimit, HotpathMultiRegion, hotpathTcp],
] as const

describe.each(TARGETS)('%s', (_, RatelimitImpl, MultiRegionImpl, redis) => {
  const Ratelimit = RatelimitImpl as unknown as RatelimitClass
  const MultiRegion = MultiRegionImpl as unknown as MultiRegionClass
  /** Fake Date only (both libraries read Date.now()); starts 10 min into an hour. */
  function clock() {
    vi.useFakeTimers({ toFake: ['Date'] })
    const t0 = (Math.floor(Date.now() / HOUR) + 2) * HOUR + 600_000
    vi.setSystemTime(t0)
    return t0
  }
  const make = (limiter: Algorithm, options: Record<string, unknown> = {}) =>
    new Ratelimit({
      redis: redis(),
      limiter,
      prefix: uniquePrefix(),
      ephemeralCache: false,
      ...options,
    })
  const shape = (r: Response) => [r.success, r.remaining, r.limit, r.reset]

  it('fixedWindow: counts down, refuses at the limit, reset is the window end', async () => {
    const t0 = clock()
    const rl = make(Ratelimit.fixedWindow(3, '1 h'))
    const end = Math.ceil(t0 / HOUR) * HOUR
    const results = []
    for (let i = 0; i < 4; i++) results.push(shape(await rl.limit('user')))
    expect(results).toEqual([
      [true, 2, 3, end],
      [true, 1, 3, end],
      [true, 0, 3, end],
      [false, 0, 3, end],
    ])
    expect(await rl.getRemaining('user')).toEqual({ remaining: 0, reset: end, limit: 3 })
    await rl.resetUsedTokens('user')
    expect(await rl.getRemaining('user')).toEqual({ remaining: 3, reset: end, limit: 3 })
  })

  it('fixedWindow: a refund gives a token back', async () => {
    clock()
    const rl = make(Ratelimit.fixedWindow(2, '1 h'))
    await rl.limit('user')
    await rl.limit('user')
    expect((await rl.limit('user', { rate: -1 })).success).toBe(true)
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 0 })
  })

  it('slidingWindow: admits the limit, refuses the next, admitted reset is the window end', async () => {
    const t0 = clock()
    const rl = make(Ratelimit.slidingWindow(3, '1 h'))
    const end = Math.ceil(t0 / HOUR) * HOUR
    const results = []
    for (let i = 0; i < 3; i++) results.push(shape(await rl.limit('user')))
    expect(results).toEqual([
      [true, 2, 3, end],
      [true, 1, 3, end],
      [true, 0, 3, end],
    ])
    // the refusal's reset differs on purpose (hotpath: exact earliest admission)
    expect(await rl.limit('user')).toMatchObject({ success: false, remaining: 0, limit: 3 })
    expect(await rl.getRemaining('user')).toMatchObject({ remaining: 0, limit: 3 })
  })

  it('tokenBucket: starts full, refuses when empty with reset at the next refill', async () => {
    const t0 = clock()
    const rl = make(Ratelimit.tokenBucket(1, '1 h', 3))
    const results = []
    for (let i = 0; i < 4; i++) results.push(shape(await rl.limit('user')))
    expect(results).toEqual([
      [true, 2, 3, t0 + HOUR],
      [true, 1, 3, t0 + HOUR],
      [true, 0, 3, t0 + HOUR],
      [false, 0, 3, t0 + HOUR],
    ])
    expect(await rl.getRemaining('user')).toEqual({ remaining: 0, reset: t0 + HOUR, limit: 3 })
  })

  it('tokenBucket: a rate above maxTokens is refused with reset at the next refill', async () => {
    const t0 = clock()
    const rl = make(Ratelimit.tokenBucket(1, '1 h', 3))
    // remaining of this refusal differs on purpose (upstream 0, hotpath the 3 tokens still there)
    expect(await rl.limit('user', { rate: 5 })).toMatchObject({
      success: false,
      limit: 3,
      reset: t0 + HOUR,
    })
  })

  it('tokenBucket: a refund lifts remaining above maxTokens', async () => {
    clock()
    const rl = make(Ratelimit.tokenBucket(1, '1 h', 3))
    expect(await rl.limit('user', { rate: -2 })).toMatchObject({ success: true, remaining: 5 })
    expect(await rl.limit('user', { rate: 4 })).toMatchObject({ success: true, remaining: 1 })
  })

  it('the ephemeral cache answers a known refusal with reason cacheBlock', async () => {
    clock()
    const rl = make(Ratelimit.fixedWindow(1, '1 h'), { ephemeralCache: new Map() })
    await rl.limit('user')
    expect(await rl.limit('user')).toMatchObject({ success: false })
    expect(await rl.limit('user')).toMatchObject({ success: false, reason: 'cacheBlock' })
  })

  it('cachedFixedWindow: decides from the process after the first read', async () => {
    clock()
    const rl = make(Ratelimit.cachedFixedWindow(2, '1 h'), { ephemeralCache: new Map() })
    const results = []
    for (let i = 0; i < 3; i++) {
      const result = await rl.limit('user')
      await result.pending
      results.push(result.success)
    }
    expect(results).toEqual([true, true, false])
  })

  it('a global dynamic limit overrides the limiter for every identifier', async () => {
    clock()
    const rl = make(Ratelimit.fixedWindow(5, '1 h'), { dynamicLimits: true })
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: null })
    await rl.setDynamicLimit({ limit: 1 })
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: 1 })
    expect(await rl.limit('a')).toMatchObject({ success: true, limit: 1, remaining: 0 })
    expect(await rl.limit('a')).toMatchObject({ success: false, limit: 1 })
    await rl.setDynamicLimit({ limit: false })
    expect(await rl.limit('b')).toMatchObject({ success: true, limit: 5, remaining: 4 })
  })

  it('without dynamicLimits, setDynamicLimit throws the same message', async () => {
    const rl = make(Ratelimit.fixedWindow(5, '1 h'))
    await expect(rl.setDynamicLimit({ limit: 1 })).rejects.toThrow(
      'dynamicLimits must be enabled in the Ratelimit constructor to use setDynamicLimit()',
    )
  })

  it('enableProtection refuses what is in <prefix>:denyList:all', async () => {
    clock()
    const prefix = uniquePrefix()
    // the IP list is off (no download from GitHub in tests), as upstream's disableIpDenyList leaves it
    await rawCommand(redisTargets().standalone.port, [
      'SET',
      `${prefix}:ipDenyListStatus`,
      'disabled',
    ])
    await rawCommand(redisTargets().standalone.port, [
      'SADD',
      `${prefix}:denyList:all`,
      'bad',
      '192.0.2.9',
    ])
    const rl = make(Ratelimit.fixedWindow(5, '1 h'), { prefix, enableProtection: true })
    expect(await rl.limit('good')).toMatchObject({ success: true, remaining: 4 })
    expect(await rl.limit('bad')).toMatchObject({
      success: false,
      remaining: 0,
      reason: 'denyList',
      deniedValue: 'bad',
    })
    expect(await rl.limit('other', { ip: '192.0.2.9' })).toMatchObject({
      success: false,
      reason: 'denyList',
      deniedValue: '192.0.2.9',
    })
  })

  it.each(['fixedWindow', 'slidingWindow'] as const)(
    'MultiRegionRatelimit.%s counts to the limit, with reset at the window end',
    async (algorithm) => {
      const t0 = clock()
      const rl = new MultiRegion({
        redis: [redis()],
        limiter: MultiRegion[algorithm](2, '1 h'),
        prefix: uniquePrefix(),
      })
      const end = Math.ceil(t0 / HOUR) * HOUR
      const results = []
      for (let i = 0; i < 3; i++) {
        const result = await rl.limit('user')
        await result.pending
        results.push([result.success, result.reset])
      }
      expect(results).toEqual([
        [true, end],
        [true, end],
        [false, end],
      ])
    },
  )
})
