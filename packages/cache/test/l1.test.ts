import type { ManagedRedisClient } from '@hotpath/redis'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { redisTargets, startRedis } from '@hotpath/test-redis'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, test } from 'vitest'
import { type Cache, createCache } from '../src/index'
import { eventually, redisFixture, runId, sleep, TARGETS } from './fixtures'

const fixture = redisFixture()
const closers: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {})
})

async function l1Caches(target: (typeof TARGETS)[number], n: number, prefix: string) {
  const caches = await fixture.caches(target, n, { prefix, l1: { prefixes: [prefix] } })
  for (const cache of caches) closers.push(() => cache.close())
  await Promise.all(caches.map((cache) => cache.l1Ready()))
  // Over REST there is no tracking: hotpath's own messages over the SSE subscription.
  const mode = target === 'rest' ? 'messages' : 'tracking'
  for (const cache of caches) expect(cache.l1Stats()).toMatchObject({ mode, serving: true })
  return caches
}

const commandsOf = (cache: Cache) => (cache.redis as ManagedRedisClient).stats().commands

describe.each(TARGETS)('L1 on %s', (target) => {
  test('a hot hit costs no round trip, and a caller that mutates its copy changes nothing', async () => {
    const prefix = `${runId()}:`
    const [cache] = await l1Caches(target, 1, prefix)
    if (!cache) throw new Error('no cache')
    const key = `${prefix}user`
    await cache.set(key, { name: 'ada', roles: ['admin'] })
    // Redis reports this process's own write too; let that report land before counting.
    await sleep(100)
    const first = await cache.getOrSet(key, () => ({ name: 'loaded', roles: [] as string[] }))
    first.roles.push('mutated')
    const before = commandsOf(cache)
    for (let i = 0; i < 20; i++) {
      expect(await cache.getOrSet(key, () => ({ name: 'loaded', roles: [] }))).toEqual({
        name: 'ada',
        roles: ['admin'],
      })
    }
    expect(commandsOf(cache) - before).toBe(0)
    expect(cache.l1Stats()?.hits).toBeGreaterThanOrEqual(20)
  })

  test('a write on one instance evicts the other instance’s copy; each reads its own writes', async () => {
    const prefix = `${runId()}:`
    const [a, b] = await l1Caches(target, 2, prefix)
    if (!a || !b) throw new Error('no caches')
    const key = `${prefix}k`
    await a.set(key, 'v1')
    expect(await b.get(key)).toBe('v1')
    expect(await b.get(key)).toBe('v1')
    await a.set(key, 'v2')
    expect(await a.get(key)).toBe('v2')
    await eventually(async () => (await b.get(key)) === 'v2', 5000)
    await b.delete(key)
    expect(await b.get(key)).toBeUndefined()
    await eventually(async () => (await a.get(key)) === undefined, 5000)
  })

  test('invalidateTags evicts tagged entries on every instance', async () => {
    const prefix = `${runId()}:`
    const [a, b] = await l1Caches(target, 2, prefix)
    if (!a || !b) throw new Error('no caches')
    const key = `${prefix}tagged`
    let loads = 0
    const load = () => `v${++loads}`
    expect(await a.getOrSet(key, load, { tags: ['t'] })).toBe('v1')
    expect(await b.getOrSet(key, load, { tags: ['t'] })).toBe('v1')
    await a.invalidateTags(['t'])
    await eventually(async () => (await b.getOrSet(key, load, { tags: ['t'] })) !== 'v1', 5000)
  })
})

describe('L1 kept coherent by Redis itself (tcp)', () => {
  test('a write by a raw connection (another app, redis-cli) evicts every instance’s copy', async () => {
    const prefix = `${runId()}:`
    const [a, b] = await l1Caches('standalone', 2, prefix)
    if (!a || !b) throw new Error('no caches')
    const key = `${prefix}raw`
    await a.set(key, 'cached')
    expect(await a.get(key)).toBe('cached')
    expect(await b.get(key)).toBe('cached')
    const raw = new Redis(redisTargets().standalone.url)
    closers.push(async () => raw.disconnect())
    await raw.del(key)
    await eventually(
      async () => (await a.get(key)) === undefined && (await b.get(key)) === undefined,
      5000,
    )
  })

  test('no stale value after CLIENT KILL of the tracking connection or a Redis restart', async () => {
    let server = await startRedis()
    const port = server.port
    closers.push(() => server.stop())
    const prefix = `${runId()}:`
    const client = createTcpRedis({ url: server.url })
    const cache = createCache({ redis: client, prefix, l1: { prefixes: [prefix] } })
    closers.push(
      () => cache.close(),
      () => client.close(),
    )
    await cache.l1Ready()
    const writer = new Redis(server.url)
    closers.push(async () => writer.disconnect())
    const key = `${prefix}k`

    // A reader loop: once a write is acknowledged, the reader must never see an older value.
    let acknowledged = 0
    let stale = 0
    let reads = 0
    let stop = false
    const reader = (async () => {
      while (!stop) {
        const floor = acknowledged
        const value = await cache.get<number>(key)
        reads++
        if (typeof value === 'number' && value < floor) stale++
        await sleep(1)
      }
    })()
    const write = async (value: number) => {
      await cache.set(key, value)
      acknowledged = value
    }
    const writeRaw = async (value: number) => {
      // Written by another connection through the same cache format: a second instance.
      const other = createCache({ redis: createTcpRedis({ url: server.url }), prefix })
      await other.set(key, value)
      await other.redis?.close()
      acknowledged = value
    }
    for (let v = 1; v <= 20; v++) await (v % 2 ? write(v) : writeRaw(v))
    const list = String(await writer.client('LIST'))
    const id = /id=(\d+)[^\n]*cmd=subscribe/.exec(list)?.[1]
    expect(id).toBeDefined()
    await writer.client('KILL', 'ID', String(id))
    for (let v = 21; v <= 40; v++) await writeRaw(v)
    await eventually(() => cache.l1Stats()?.serving === true, 10_000)
    for (let v = 41; v <= 60; v++) await writeRaw(v)
    process.kill(server.pid, 'SIGKILL')
    await server.stop()
    server = await startRedis({ port })
    await eventually(() => cache.l1Stats()?.serving === true, 15_000)
    for (let v = 61; v <= 80; v++) await writeRaw(v)
    await sleep(50)
    stop = true
    await reader
    expect(reads).toBeGreaterThan(0)
    // The reader was served from L1 (else this proves nothing about L1), and never stale.
    expect(cache.l1Stats()?.hits).toBeGreaterThan(20)
    expect(stale).toBe(0)
    expect(await cache.get(key)).toBe(80)
  }, 60_000)
})

describe('L1 bounds', () => {
  test('memory stays under maxBytes with 1 M distinct keys', async () => {
    const redis = createMemoryRedis()
    const maxBytes = 4 * 1024 * 1024
    const cache = createCache({ redis, l1: { maxEntries: 2_000_000, maxBytes } })
    closers.push(
      () => cache.close(),
      () => redis.close(),
    )
    await cache.l1Ready()
    const batch = 10_000
    for (let start = 0; start < 1_000_000; start += batch) {
      await cache.getMany(Array.from({ length: batch }, (_, i) => `k:${start + i}`))
    }
    const stats = cache.l1Stats()
    expect(stats?.bytes).toBeLessThanOrEqual(maxBytes)
    expect(stats?.entries).toBeGreaterThan(10_000)
    expect(stats?.entries).toBeLessThan(1_000_000)
  }, 120_000)

  test('an entry past l1.ttl is not served', async () => {
    const redis = createMemoryRedis()
    const cache = createCache({ redis, l1: { ttl: '100ms' } })
    closers.push(
      () => cache.close(),
      () => redis.close(),
    )
    await cache.l1Ready()
    await cache.set('k', 'v')
    expect(await cache.get('k')).toBe('v')
    const hits = cache.l1Stats()?.hits ?? 0
    await sleep(150)
    const before = redis.stats().commands
    expect(await cache.get('k')).toBe('v')
    expect(redis.stats().commands).toBeGreaterThan(before)
    expect(cache.l1Stats()?.hits).toBe(hits)
  })

  test('bad l1 options are a CacheError with E_OPTION_INVALID at createCache', () => {
    const redis = createMemoryRedis()
    closers.push(() => redis.close())
    for (const l1 of [{ maxEntries: 0 }, { maxBytes: -1 }, { maxEntries: 1.5 }, { ttl: 'soon' }]) {
      expect(() => createCache({ redis, l1: l1 as never })).toThrow(
        expect.objectContaining({ name: 'CacheError', code: 'E_OPTION_INVALID' }),
      )
    }
  })
})
