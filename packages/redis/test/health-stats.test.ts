import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient } from '../src/client'
import { createMemoryRedis } from '../src/drivers/memory'
import { checkHealth } from '../src/health'
import { createCacheHelpers } from '../src/helpers'
import type { Transport } from '../src/transports/transport'

/** PING answers after `ms`; forces the latency grades a local server cannot produce. */
function slowTransport(ms: number): Transport {
  const transport: Transport = {
    driver: 'slow',
    send: () => new Promise((resolve) => setTimeout(() => resolve('PONG'), ms)),
    pipeline: async () => [],
    masters: async () => [transport.send],
    subscribe: async () => async () => {},
    close: async () => {},
  }
  return transport
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('checkHealth()', () => {
  it('is green with the driver and breaker state for a fast client', async () => {
    const redis = createMemoryRedis()
    const health = await checkHealth(redis)
    expect(health).toMatchObject({ status: 'green', driver: 'memory', breaker: 'closed' })
    expect(health.latencyMs).toBeLessThan(50)
    await redis.close()
  })

  it('is yellow between 50 and 150 ms and red above', async () => {
    expect((await checkHealth(createClient(slowTransport(80)))).status).toBe('yellow')
    expect((await checkHealth(createClient(slowTransport(200)))).status).toBe('red')
  })

  it('is red with the reason when the call fails or there is no client', async () => {
    const redis = createMemoryRedis()
    await redis.close()
    expect(await checkHealth(redis)).toMatchObject({ status: 'red', driver: 'memory' })
    expect((await checkHealth(redis)).error).toContain('closed')
    expect(await checkHealth(null)).toMatchObject({ status: 'red', driver: 'none' })
  })
})

describe('stats', () => {
  it('counts commands, errors, helper hits, misses and corrupt values', async () => {
    const redis = createMemoryRedis()
    const helpers = createCacheHelpers(redis)
    await helpers.setCache('a', 1)
    await helpers.getCache('a')
    await helpers.getCache('a')
    await helpers.getCache('missing')
    await redis.set('bad', '{oops')
    await helpers.getCache('bad')
    await redis.pipeline([
      ['GET', 'a'],
      ['GET', 'b'],
    ])
    await redis.hset('h', { f: '1' })
    await redis.get('h').catch(() => {})
    const stats = redis.stats()
    expect(stats).toMatchObject({ hits: 2, misses: 2, corrupt: 1, errors: 1, hitRate: 0.5 })
    // setCache, 4 getCache reads, the raw set, 2 pipelined, hset, the failed get
    expect(stats.commands).toBe(10)
    expect(stats.today.commands).toBe(10)
    expect(stats.today.day).toBe(new Date().toISOString().slice(0, 10))
    await redis.close()
  })

  it('fires the quota hook once a day when commands reach 80% of dailyCommandQuota', async () => {
    const onQuotaWarning = vi.fn()
    const redis = createMemoryRedis({ dailyCommandQuota: 10, onQuotaWarning })
    for (let i = 0; i < 7; i++) await redis.ping()
    expect(onQuotaWarning).not.toHaveBeenCalled()
    await redis.ping()
    expect(onQuotaWarning).toHaveBeenCalledTimes(1)
    expect(onQuotaWarning.mock.calls[0]?.[0]).toMatchObject({ commands: 8, quota: 10, share: 0.8 })
    for (let i = 0; i < 5; i++) await redis.ping()
    expect(onQuotaWarning).toHaveBeenCalledTimes(1)
    await redis.close()
  })

  it('honours a custom quotaWarningShare', async () => {
    const seen: number[] = []
    const redis = createMemoryRedis({ dailyCommandQuota: 4, quotaWarningShare: 0.5 })
    redis.on('quota', ({ commands }) => seen.push(commands))
    for (let i = 0; i < 3; i++) await redis.ping()
    expect(seen).toEqual([2])
    await redis.close()
  })

  it('prints SET, HIT and MISS debug lines when LOG_LEVEL=debug', async () => {
    vi.stubEnv('LOG_LEVEL', 'debug')
    const lines: string[] = []
    vi.spyOn(console, 'debug').mockImplementation((line: string) => {
      lines.push(line)
    })
    const redis = createMemoryRedis()
    vi.unstubAllEnvs()
    const helpers = createCacheHelpers(redis)
    await helpers.setCache('user:1', { n: 1 }, 60)
    await helpers.setCache('user:2', 'x')
    await helpers.getCache('user:1')
    await helpers.getCache('user:3')
    expect(lines).toEqual([
      '[hotpath] SET user:1 ttl=60',
      '[hotpath] SET user:2 ttl=none',
      '[hotpath] HIT user:1',
      '[hotpath] MISS user:3',
    ])
    await redis.close()
  })

  it('prints nothing without LOG_LEVEL=debug', async () => {
    vi.stubEnv('LOG_LEVEL', 'info')
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {})
    const redis = createMemoryRedis()
    vi.unstubAllEnvs()
    const helpers = createCacheHelpers(redis)
    await helpers.setCache('k', 1, 5)
    await helpers.getCache('k')
    expect(debug).not.toHaveBeenCalled()
    await redis.close()
  })
})

describe('memory driver isolation', () => {
  it('gives each client a private keyspace unless they share a namespace', async () => {
    const a = createMemoryRedis()
    const b = createMemoryRedis()
    const c = createMemoryRedis({ namespace: 'shared-test' })
    const d = createMemoryRedis({ namespace: 'shared-test' })
    await a.set('k', 'a')
    await c.set('k', 'c')
    expect(await b.get('k')).toBeNull()
    expect(await d.get('k')).toBe('c')
    await Promise.all([a.close(), b.close(), c.close(), d.close()])
  })
})

describe('the hit-rate signal', () => {
  it('judges windows of reads: an event when one drops to the threshold or below, once per drop', async () => {
    const redis = createMemoryRedis({ hitRateThreshold: 0.7, hitRateWindow: 10 })
    const events: { hitRate: number; threshold: number; reads: number }[] = []
    redis.on('hitrate', (event) => events.push(event))
    const { getCache, setCache } = createCacheHelpers(redis)
    await setCache('hit', 'v')
    const reads = async (hits: number, misses: number) => {
      for (let i = 0; i < hits; i++) await getCache('hit')
      for (let i = 0; i < misses; i++) await getCache('missing')
    }
    expect(redis.stats().isHealthy).toBe(true)
    await reads(9, 1)
    expect(redis.stats()).toMatchObject({ windowHitRate: 0.9, isHealthy: true })
    expect(events).toEqual([])
    await reads(5, 5)
    expect(redis.stats()).toMatchObject({ windowHitRate: 0.5, isHealthy: false })
    expect(events).toEqual([{ hitRate: 0.5, threshold: 0.7, reads: 10 }])
    await reads(0, 10)
    expect(events).toHaveLength(1)
    await reads(10, 0)
    expect(redis.stats().isHealthy).toBe(true)
    await reads(7, 3)
    // exactly at the threshold is not healthy: the rule is hitRate > threshold
    expect(redis.stats().isHealthy).toBe(false)
    expect(events).toHaveLength(2)
    await redis.close()
  })

  it('refuses a threshold outside [0, 1] and a window that is not a whole number ≥ 1', () => {
    for (const options of [
      { hitRateThreshold: 1.5 },
      { hitRateThreshold: -0.1 },
      { hitRateWindow: 0 },
      { hitRateWindow: 2.5 },
    ]) {
      expect(() => createMemoryRedis(options)).toThrow(
        expect.objectContaining({ code: 'E_OPTION_INVALID' }),
      )
    }
  })
})
