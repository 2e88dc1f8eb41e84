import { awayFromWindowEdge } from '@hotpath/test-redis'
import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis'
import { Ratelimit as RatelimitV20 } from 'upstash-ratelimit-v2-0'
import { beforeEach, describe, expect, it } from 'vitest'
import { keyPrefix, restServer, TOKEN } from './fixtures'

// The limiters count against real-clock windows of a minute: a test must not straddle one.
beforeEach(() => awayFromWindowEdge(60_000))

async function serverWithLog() {
  const lines: string[] = []
  const server = await restServer({ logger: { debug: (line) => lines.push(line) } })
  const redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false, retry: false })
  return Object.assign(server, { lines, redis })
}

type Limiter = { limit(id: string): Promise<{ success: boolean; remaining: number }> }

async function exhaust(limiter: Limiter, id: string, times: number) {
  const results: boolean[] = []
  for (let i = 0; i < times; i++) results.push((await limiter.limit(id)).success)
  return results
}

describe('@upstash/ratelimit latest (scripts with the #!lua flags=allow-key-locking shebang)', () => {
  for (const [name, algorithm] of [
    ['fixedWindow', Ratelimit.fixedWindow(3, '60 s')],
    ['slidingWindow', Ratelimit.slidingWindow(3, '60 s')],
    ['tokenBucket', Ratelimit.tokenBucket(1, '60 s', 3)],
  ] as const) {
    it(`${name} allows the limit, then refuses, and EVALSHA with the client's SHA succeeds`, async () => {
      await using server = await serverWithLog()
      const limiter = new Ratelimit({
        redis: server.redis,
        limiter: algorithm,
        prefix: keyPrefix(),
        ephemeralCache: false,
        analytics: false,
      })
      expect(await exhaust(limiter, 'user-1', 4)).toEqual([true, true, true, false])
      expect((await limiter.getRemaining('user-1')).remaining).toBe(0)
      // First call: EVALSHA answered NOSCRIPT, then EVAL with the shebang source. Later
      // calls: EVALSHA of sha1(shebang source) answered 200 through the SHA map.
      const scripts = server.lines.filter((l) => / (EVAL|EVALSHA) /.test(l))
      expect(scripts.some((l) => / EVAL 200 /.test(l))).toBe(true)
      expect(scripts.filter((l) => / EVALSHA 200 /.test(l)).length).toBeGreaterThanOrEqual(2)
      await limiter.resetUsedTokens('user-1')
      expect((await limiter.limit('user-1')).success).toBe(true)
    })
  }
})

describe('@upstash/ratelimit 2.0 (plain Redis scripts)', () => {
  it('slidingWindow allows the limit, then refuses', async () => {
    await using server = await serverWithLog()
    const limiter = new RatelimitV20({
      redis: server.redis,
      limiter: RatelimitV20.slidingWindow(3, '60 s'),
      prefix: keyPrefix(),
      ephemeralCache: false,
      analytics: false,
    })
    expect(await exhaust(limiter, 'user-2', 4)).toEqual([true, true, true, false])
    expect((await limiter.getRemaining('user-2')).remaining).toBe(0)
  })

  it('fixedWindow counts separate identifiers separately', async () => {
    await using server = await serverWithLog()
    const limiter = new RatelimitV20({
      redis: server.redis,
      limiter: RatelimitV20.fixedWindow(1, '60 s'),
      prefix: keyPrefix(),
      ephemeralCache: false,
      analytics: false,
    })
    expect(await exhaust(limiter, 'a', 2)).toEqual([true, false])
    expect(await exhaust(limiter, 'b', 1)).toEqual([true])
  })
})
