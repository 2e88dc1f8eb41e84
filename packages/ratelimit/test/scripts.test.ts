import { createHash } from 'node:crypto'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { awayFromWindowEdge, rawCommand, redisTargets, startRedis } from '@hotpath/test-redis'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  fixedWindowScript,
  Ratelimit,
  slidingLogScript,
  slidingWindowScript,
  tokenBucketScript,
} from '../src/index'
import { ratelimitKeys } from '../src/keys'
import { uniquePrefix } from './fixtures'

// Refusals are counted against real-clock windows of an hour: no test may straddle one.
beforeEach(() => awayFromWindowEdge(3_600_000))

const SCRIPTS = {
  fixedWindow: fixedWindowScript,
  slidingWindow: slidingWindowScript,
  tokenBucket: tokenBucketScript,
  slidingLogs: slidingLogScript,
}

describe('scripts', () => {
  it.each(Object.entries(SCRIPTS))(
    '%s carries the SHA1 of its source, as Redis computes it',
    async (_, script) => {
      expect(script.sha1).toBe(createHash('sha1').update(script.source).digest('hex'))
      await using redis = asyncClose(createTcpRedis(redisTargets().standalone.url))
      expect(await redis.client.scriptLoad(script.source)).toBe(script.sha1)
    },
  )

  it('after SCRIPT FLUSH the EVAL fallback counts each of 20 concurrent requests exactly once', async () => {
    await using server = await startRedis()
    await using redis = asyncClose(createTcpRedis(server.url))
    const prefix = uniquePrefix()
    const rl = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.fixedWindow(10, '1 h'),
      prefix,
      ephemeralCache: false,
    })
    await rl.limit('warm')
    expect(await rawCommand(server.port, ['SCRIPT', 'FLUSH'])).toContain('OK')
    const results = await Promise.all(Array.from({ length: 20 }, () => rl.limit('user')))
    expect(results.filter((r) => r.success)).toHaveLength(10)
    expect(results.every((r) => r.reason === undefined)).toBe(true)
    const key = ratelimitKeys(prefix).keys.fixedWindow({
      identifier: 'user',
      window: String(Math.floor(Date.now() / 3_600_000)),
    }).key
    // refused requests write nothing, so the counter is exactly the admitted count
    expect(await redis.client.get(key)).toBe('10')
  })

  it('through REST, a NOSCRIPT costs one extra request once and the request is counted once', async () => {
    await using server = await startRedis()
    await using restServer = asyncClose(
      await startRestServer({ redis: server.url, token: 't', port: 0 }),
    )
    const rest = restServer.client
    await using redis = asyncClose(createUpstashRedis({ url: rest.url, token: 't' }))
    const rl = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.slidingWindow(5, '1 h'),
      prefix: uniquePrefix(),
    })
    let before = rest.requests
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 4 })
    expect(rest.requests - before).toBe(2) // EVALSHA → NOSCRIPT, then EVAL
    before = rest.requests
    expect(await rl.limit('user')).toMatchObject({ success: true, remaining: 3 })
    expect(rest.requests - before).toBe(1)
  })
})

describe('batched scripts (autoPipeline over REST)', () => {
  it('after SCRIPT FLUSH a batch never counts a request twice: the counter equals what was admitted', async () => {
    await using server = await startRedis()
    await using restServer = asyncClose(
      await startRestServer({ redis: server.url, token: 't', port: 0 }),
    )
    await using redis = asyncClose(createUpstashRedis({ url: restServer.client.url, token: 't' }))
    const prefix = uniquePrefix()
    const rl = new Ratelimit({
      redis: redis.client,
      limiter: Ratelimit.fixedWindow(25, '1 h'),
      prefix,
      ephemeralCache: false,
    })
    // a batch makes the script known, so the next batches send EVALSHA
    await Promise.all(Array.from({ length: 5 }, () => rl.limit('user')))
    await rawCommand(server.port, ['SCRIPT', 'FLUSH'])
    const results = []
    for (let round = 0; round < 3; round++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, () => rl.limit('user')))))
    }
    const key = ratelimitKeys(prefix).keys.fixedWindow({
      identifier: 'user',
      window: String(Math.floor(Date.now() / 3_600_000)),
    }).key
    const admitted = 5 + results.filter((r) => r.success && r.reason === undefined).length
    const failed = results.filter((r) => r.reason !== undefined)
    // the first batch after the flush fails as a whole (fail-open, reason 'error'), no retry
    expect(failed.length).toBe(10)
    expect(failed.every((r) => r.reason === 'error')).toBe(true)
    expect(Number(await redis.client.get(key))).toBe(admitted)
    expect(admitted).toBe(25)
  })
})

function asyncClose<T extends { close(): Promise<void> }>(client: T) {
  return { client, [Symbol.asyncDispose]: () => client.close() }
}
