import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { awayFromWindowEdge, rawCommand, startRedis } from '@hotpath/test-redis'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { errors, Ratelimit, RatelimitError } from '../src/index'
import { uniquePrefix } from './fixtures'

// Refusals are counted against real-clock windows of an hour: no test may straddle one.
beforeEach(() => awayFromWindowEdge(3_600_000))

async function privateRedis() {
  const server = await startRedis()
  const client = createTcpRedis({ url: server.url, timeoutMs: 300, retries: 0 })
  return {
    server,
    client,
    async [Symbol.asyncDispose]() {
      await client.close()
      await server.stop()
    },
  }
}

describe('when Redis fails', () => {
  it('fail-open admits with reason "error" or "timeout" when Redis is stopped', async () => {
    await using redis = await privateRedis()
    const rl = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.fixedWindow(1, '1 h'),
      prefix: uniquePrefix(),
    })
    expect((await rl.limit('user')).success).toBe(true)
    await redis.server.stop()
    const result = await rl.limit('user')
    expect(result.success).toBe(true)
    expect(['error', 'timeout']).toContain(result.reason)
    expect(result.error).toBeInstanceOf(Error)
    if (result.reason === 'error') expect(result.reset).toBeGreaterThan(Date.now())
    else expect(result).toMatchObject({ limit: 0, reset: 0 })
  })

  it('fail-closed refuses with a reason, and does not remember the refusal in the ephemeral cache', async () => {
    await using redis = await privateRedis()
    const cache = new Map<string, number>()
    const rl = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.slidingWindow(5, '1 h'),
      prefix: uniquePrefix(),
      failureMode: 'closed',
      ephemeralCache: cache,
    })
    expect((await rl.limit('user')).success).toBe(true)
    await redis.server.stop()
    const result = await rl.limit('user')
    expect(result.success).toBe(false)
    expect(['error', 'timeout']).toContain(result.reason)
    expect(cache.size).toBe(0)
  })

  it('a Redis slower than `timeout` is decided by failureMode within the timeout', async () => {
    await using redis = await privateRedis()
    const open = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.tokenBucket(1, '1 s', 10),
      prefix: uniquePrefix(),
      timeout: 100,
    })
    const closed = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.tokenBucket(1, '1 s', 10),
      prefix: uniquePrefix(),
      timeout: 100,
      failureMode: 'closed',
    })
    await open.limit('warm')
    // CLIENT PAUSE holds every command of every client, as a stalled server would
    await rawCommand(redis.server.port, ['CLIENT', 'PAUSE', '1000'])
    const started = Date.now()
    const [a, b] = await Promise.all([open.limit('user'), closed.limit('user')])
    expect(Date.now() - started).toBeLessThan(290)
    // upstream's timeout shape: nothing known, so limit and reset are 0
    expect(a).toMatchObject({ success: true, reason: 'timeout', limit: 0, remaining: 0, reset: 0 })
    expect(b).toMatchObject({ success: false, reason: 'timeout', limit: 0, remaining: 0, reset: 0 })
  })

  it('getRemaining throws the RedisError instead of guessing', async () => {
    await using redis = await privateRedis()
    const rl = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.fixedWindow(1, '1 h'),
      prefix: uniquePrefix(),
    })
    await redis.server.stop()
    await expect(rl.getRemaining('user')).rejects.toMatchObject({ name: 'RedisError' })
  })
})

describe('bad input', () => {
  const redis = createMemoryRedis()
  afterAll(() => redis.close())
  it.each([
    [
      'an unparseable duration',
      () => Ratelimit.fixedWindow(1, '10 parsecs' as never),
      errors.E_OPTION_INVALID,
    ],
    ['a zero limit', () => Ratelimit.slidingWindow(0, '1 s'), errors.E_LIMIT_INVALID],
    [
      'a fractional refill rate',
      () => Ratelimit.tokenBucket(0.5, '1 s', 3),
      errors.E_LIMIT_INVALID,
    ],
    [
      'an unknown failureMode',
      () =>
        new Ratelimit({
          redis,
          limiter: Ratelimit.fixedWindow(1, '1 s'),
          failureMode: 'maybe' as never,
        }),
      errors.E_OPTION_INVALID,
    ],
  ])('%s throws a RatelimitError with a stable code', (_, build, code) => {
    expect(build).toThrow(RatelimitError)
    try {
      build()
    } catch (error) {
      expect((error as RatelimitError).code).toBe(code)
    }
  })

  it('an empty identifier or a fractional rate rejects with a RatelimitError', async () => {
    const rl = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(1, '1 s') })
    await expect(rl.limit('')).rejects.toMatchObject({ code: errors.E_IDENTIFIER_INVALID })
    await expect(rl.limit('a', { rate: 1.5 })).rejects.toMatchObject({
      code: errors.E_RATE_INVALID,
    })
    await expect(rl.blockUntilReady('a', 0)).rejects.toMatchObject({
      code: errors.E_OPTION_INVALID,
    })
  })
})
