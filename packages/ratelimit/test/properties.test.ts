import { createTcpRedis } from '@hotpath/redis/tcp'
import { redisTargets } from '@hotpath/test-redis'
import fc from 'fast-check'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { Ratelimit } from '../src/index'
import { uniquePrefix } from './fixtures'

/*
 * Each algorithm against a small model of its semantics, over random sequences of costs
 * (refunds included) and clock steps, on a real Redis. The clock moves in whole minutes
 * against a one-hour window: the keys' real TTLs (set in Redis time, which does not move
 * with the fake clock) then never run out during a run.
 */
const W = 3_600_000
const MINUTE = 60_000
const redis = createTcpRedis({ url: redisTargets().standalone.url, timeoutMs: 20_000 })
afterAll(() => redis.close())
afterEach(() => {
  vi.useRealTimers()
})

const steps = fc.array(
  fc.record({ minutes: fc.integer({ min: 0, max: 90 }), rate: fc.integer({ min: -2, max: 5 }) }),
  { minLength: 1, maxLength: 14 },
)
const limits = fc.integer({ min: 1, max: 6 })
const RUNS = { numRuns: 25 }

function start(): number {
  vi.useFakeTimers({ toFake: ['Date'] })
  const t0 = (Math.floor(Date.now() / W) + 2) * W
  vi.setSystemTime(t0)
  return t0
}

describe('algorithms against a reference model', () => {
  it('fixedWindow', async () => {
    await fc.assert(
      fc.asyncProperty(limits, steps, async (limit, sequence) => {
        let now = start()
        const rl = new Ratelimit({
          redis,
          limiter: Ratelimit.fixedWindow(limit, '1 h'),
          prefix: uniquePrefix(),
          ephemeralCache: false,
        })
        const used = new Map<number, number>()
        for (const { minutes, rate } of sequence) {
          now += minutes * MINUTE
          vi.setSystemTime(now)
          const window = Math.floor(now / W)
          let count = used.get(window) ?? 0
          const allowed = rate <= 0 || count + rate <= limit
          if (allowed) count += rate
          used.set(window, count)
          expect(await rl.limit('id', { rate })).toMatchObject({
            success: allowed,
            remaining: Math.max(0, limit - count),
            reset: (window + 1) * W,
            limit,
          })
        }
      }),
      RUNS,
    )
  })

  it('tokenBucket', async () => {
    await fc.assert(
      fc.asyncProperty(
        limits,
        fc.integer({ min: 1, max: 3 }),
        steps,
        async (maxTokens, refill, sequence) => {
          let now = start()
          const rl = new Ratelimit({
            redis,
            limiter: Ratelimit.tokenBucket(refill, '1 h', maxTokens),
            prefix: uniquePrefix(),
            ephemeralCache: false,
          })
          let bucket: { refilledAt: number; tokens: number } | undefined
          for (const { minutes, rate } of sequence) {
            now += minutes * MINUTE
            vi.setSystemTime(now)
            let { refilledAt, tokens } = bucket ?? { refilledAt: now, tokens: maxTokens }
            if (now >= refilledAt + W) {
              const n = Math.floor((now - refilledAt) / W)
              tokens = Math.min(maxTokens, tokens + n * refill)
              refilledAt += n * W
            }
            const allowed = rate <= 0 || tokens >= rate
            const refillsTo = (n: number) => Math.max(1, Math.ceil((n - tokens) / refill))
            const reset = allowed
              ? refilledAt + W
              : refilledAt + refillsTo(Math.min(rate, maxTokens)) * W
            if (allowed) {
              tokens -= rate
              bucket = { refilledAt, tokens }
            }
            const result = await rl.limit('id', { rate })
            expect(result).toMatchObject({
              success: allowed,
              remaining: Math.max(0, tokens),
              reset,
            })
            // never "now" for a refusal: the retry time is always ahead
            if (!allowed) expect(result.reset).toBeGreaterThan(now)
          }
        },
      ),
      RUNS,
    )
  })

  it('slidingWindow: admitted count and remaining follow the weighted estimate; a refusal resets at the earliest admission', async () => {
    await fc.assert(
      fc.asyncProperty(limits, steps, async (limit, sequence) => {
        let now = start()
        const rl = new Ratelimit({
          redis,
          limiter: Ratelimit.slidingWindow(limit, '1 h'),
          prefix: uniquePrefix(),
          ephemeralCache: false,
        })
        const counts = new Map<number, number>()
        const estimate = (t: number, extra = 0) => {
          const w = Math.floor(t / W)
          const previous = counts.get(w - 1) ?? 0
          const current = (counts.get(w) ?? 0) + extra
          return Math.floor((1 - (t - w * W) / W) * previous) + current
        }
        for (const { minutes, rate } of sequence) {
          now += minutes * MINUTE
          vi.setSystemTime(now)
          const window = Math.floor(now / W)
          const allowed = rate <= 0 || estimate(now) + rate <= limit
          if (allowed) counts.set(window, (counts.get(window) ?? 0) + rate)
          const result = await rl.limit('id', { rate })
          expect(result).toMatchObject({
            success: allowed,
            remaining: Math.max(0, limit - estimate(now)),
          })
          if (allowed) expect(result.reset).toBe((window + 1) * W)
          else if (rate <= limit) {
            expect(result.reset).toBeGreaterThan(now)
            // nothing else arriving, the same request fits at reset and not a millisecond before
            expect(estimate(result.reset) + rate).toBeLessThanOrEqual(limit)
            if (result.reset - 1 > now)
              expect(estimate(result.reset - 1) + rate).toBeGreaterThan(limit)
          }
        }
      }),
      RUNS,
    )
  })

  it('slidingLogs: admitted count, remaining and reset follow the log of admitted requests', async () => {
    await fc.assert(
      fc.asyncProperty(limits, steps, async (limit, sequence) => {
        let now = start()
        const rl = new Ratelimit({
          redis,
          limiter: Ratelimit.slidingLogs(limit, '1 h'),
          prefix: uniquePrefix(),
          ephemeralCache: false,
        })
        let log: number[] = []
        for (const { minutes, rate } of sequence) {
          now += minutes * MINUTE
          vi.setSystemTime(now)
          log = log.filter((t) => t > now - W)
          const allowed = rate <= 0 || log.length + rate <= limit
          if (allowed && rate > 0) for (let i = 0; i < rate; i++) log.push(now)
          if (allowed && rate < 0) log = log.slice(0, Math.max(0, log.length + rate))
          const result = await rl.limit('id', { rate })
          expect(result).toMatchObject({
            success: allowed,
            remaining: Math.max(0, limit - log.length),
          })
          if (allowed) expect(result.reset).toBe(log.length > 0 ? (log[0] as number) + W : now + W)
          else if (rate <= limit) {
            // when enough of the oldest entries have left the window for this cost to fit
            expect(result.reset).toBe((log[log.length + rate - limit - 1] as number) + W)
          }
        }
      }),
      RUNS,
    )
  })
})
