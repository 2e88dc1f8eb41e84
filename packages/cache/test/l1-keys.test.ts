import { defineKeys, key } from '@hotpath/keys'
import type { ManagedRedisClient } from '@hotpath/redis'
import { afterAll, describe, expect, test, vi } from 'vitest'
import { type Cache, type CacheOptions, createCache, errors } from '../src/index'
import { redisFixture, runId, sleep, TARGETS } from './fixtures'

const fixture = redisFixture()
const closers: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {})
})

function registryFor(prefix: string) {
  return defineKeys(
    {
      hot: key('hot:{id}'),
      live: key('live:{id}', { l1: false }),
      chosen: key('chosen:{id}', { l1: true }),
    },
    { prefix },
  )
}

async function l1Cache(
  target: (typeof TARGETS)[number],
  prefix: string,
  l1: Exclude<CacheOptions['l1'], boolean | undefined> = {},
) {
  const registry = registryFor(prefix)
  const [cache] = await fixture.caches(target, 1, {
    prefix,
    registry,
    l1: { prefixes: [`${prefix}:`], ...l1 },
  })
  if (!cache) throw new Error('no cache')
  closers.push(() => cache.close())
  await cache.l1Ready()
  return { cache, keys: registry.keys }
}

const commandsOf = (cache: Cache) => (cache.redis as ManagedRedisClient).stats().commands

/** Round trips of `reads` getOrSet calls of `key` after a first read that fills L1. */
async function roundTrips(cache: Cache, ref: Parameters<Cache['getOrSet']>[0], reads: number) {
  await cache.set(ref, { v: 1 })
  // Redis reports this process's own write too; let that report land before reading.
  await sleep(100)
  await cache.getOrSet(ref, () => ({ v: 0 }))
  const before = commandsOf(cache)
  for (let i = 0; i < reads; i++)
    expect(await cache.getOrSet(ref, () => ({ v: 0 }))).toEqual({ v: 1 })
  return commandsOf(cache) - before
}

describe.each(TARGETS)('L1 per key definition on %s', (target) => {
  test('a definition with l1: false is always read from Redis, the others from L1', async () => {
    const prefix = runId()
    const { cache, keys } = await l1Cache(target, prefix)
    expect(await roundTrips(cache, keys.hot({ id: 1 }), 10)).toBe(0)
    expect(await roundTrips(cache, keys.live({ id: 1 }), 10)).toBeGreaterThanOrEqual(10)
    // a string key is matched to its definition through the registry
    expect(await roundTrips(cache, `${prefix}:live:(2)`, 10)).toBeGreaterThanOrEqual(10)
    expect(await roundTrips(cache, `${prefix}:hot:(2)`, 10)).toBe(0)
  })

  test('with optIn only definitions with l1: true use L1', async () => {
    const prefix = runId()
    const { cache, keys } = await l1Cache(target, prefix, { optIn: true })
    expect(await roundTrips(cache, keys.chosen({ id: 1 }), 10)).toBe(0)
    expect(await roundTrips(cache, keys.hot({ id: 1 }), 10)).toBeGreaterThanOrEqual(10)
    expect(await roundTrips(cache, keys.live({ id: 1 }), 10)).toBeGreaterThanOrEqual(10)
  })

  test('stats count L1 and L2 hits apart, per namespace', async () => {
    const prefix = runId()
    const { cache, keys } = await l1Cache(target, prefix)
    await roundTrips(cache, keys.hot({ id: 1 }), 5)
    await roundTrips(cache, keys.live({ id: 1 }), 5)
    const stats = cache.stats()
    // hot: the first read after the write came from Redis and filled L1, then 5 L1 hits
    expect(stats.hot).toMatchObject({ hits: 6, l1Hits: 5, l2Hits: 1 })
    expect(stats.live).toMatchObject({ hits: 6, l1Hits: 0, l2Hits: 6 })
  })
})

describe('L1 options and logging', () => {
  test('LOG_LEVEL=debug shows HIT l1 for an L1 hit and HIT l2 for a Redis one', async () => {
    vi.stubEnv('LOG_LEVEL', 'debug')
    const lines: string[] = []
    const spy = vi.spyOn(console, 'debug').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '))
    })
    try {
      const prefix = runId()
      const { cache, keys } = await l1Cache('memory', prefix)
      await roundTrips(cache, keys.hot({ id: 1 }), 1)
      expect(lines.some((line) => line.startsWith('[hotpath:cache] HIT l1'))).toBe(true)
      expect(lines.some((line) => line.startsWith('[hotpath:cache] HIT l2'))).toBe(true)
    } finally {
      spy.mockRestore()
      vi.unstubAllEnvs()
    }
  })

  test('an l1.optIn that is not a boolean is refused with E_OPTION_INVALID', async () => {
    const redis = await fixture.connect('memory')
    expect(() => createCache({ redis, l1: { optIn: 'yes' as never } })).toThrow(
      expect.objectContaining({ code: errors.E_OPTION_INVALID }),
    )
  })
})

describe.each(['standalone', 'memory'] as const)('L1 write path on %s', (target) => {
  test('a pipeline through cache.redis evicts only the keys it names, not all of L1', async () => {
    const prefix = runId()
    const { cache, keys } = await l1Cache(target, prefix)
    const hot = keys.hot({ id: 1 })
    expect(await roundTrips(cache, hot, 3)).toBe(0)
    // a command the write path has no rule for, on a key outside L1's prefixes
    await cache.redis?.pipeline([['INCR', `other:${prefix}:counter`]])
    let before = commandsOf(cache)
    expect(await cache.getOrSet(hot, () => ({ v: 0 }))).toEqual({ v: 1 })
    expect(commandsOf(cache) - before).toBe(0)
    // the same kind of command on a cached key evicts it: the process reads its own write
    await cache.redis?.pipeline([['PEXPIRE', hot.key, 60_000]])
    before = commandsOf(cache)
    expect(await cache.getOrSet(hot, () => ({ v: 0 }))).toEqual({ v: 1 })
    expect(commandsOf(cache) - before).toBeGreaterThanOrEqual(1)
  })
})
