import { randomUUID } from 'node:crypto'
import type { SecondaryStorage } from 'better-auth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secondaryStorage } from '../src/better-auth'
import { memoryTarget, type OpenTarget, targets } from './targets'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('secondaryStorage() without Redis', () => {
  it('returns undefined for null and undefined, so Better Auth stays on its database', () => {
    expect(secondaryStorage({ redis: null })).toBeUndefined()
    expect(secondaryStorage({ redis: undefined, prefix: 'x' })).toBeUndefined()
    // the deprecated positional form
    expect(secondaryStorage(null)).toBeUndefined()
    expect(secondaryStorage(undefined, { prefix: 'x' })).toBeUndefined()
  })
})

describe.each([...targets, memoryTarget])('secondaryStorage() on $name', (target) => {
  let open: OpenTarget
  let storage: SecondaryStorage
  const prefix = `ba-${randomUUID().slice(0, 8)}`
  const name = () => randomUUID()

  beforeAll(async () => {
    open = await target.open()
    const created = secondaryStorage({ redis: open.redis, prefix })
    if (!created) throw new Error('expected a storage')
    storage = created
  })
  afterAll(async () => {
    await open.close()
  })

  it('still takes the client positionally (deprecated), with the same keys', async () => {
    const positional = secondaryStorage(open.redis, { prefix })
    const key = name()
    await storage.set(key, 'v1')
    expect(await positional?.get(key)).toBe('v1')
    await positional?.delete(key)
  })

  const keyOf = async (bare: string) => {
    for await (const batch of open.redis.scan({ match: `${prefix}*` })) {
      const found = batch.find((key) => key.includes(bare))
      if (found) return found
    }
    return null
  }

  it('stores values under the prefix, as given, with a TTL in seconds', async () => {
    const key = name()
    const value = JSON.stringify({ session: { id: 1 }, when: '2024-01-01T00:00:00.000Z' })
    await storage.set(key, value, 60)
    expect(await storage.get(key)).toBe(value)
    const full = await keyOf(key)
    expect(full?.startsWith(prefix)).toBe(true)
    const ttl = await open.redis.ttl(full ?? '')
    expect(ttl).toBeGreaterThan(55)
    expect(ttl).toBeLessThanOrEqual(60)
  })

  it('stores without expiry when no TTL is given, and deletes', async () => {
    const key = name()
    await storage.set(key, 'v')
    expect(await open.redis.ttl((await keyOf(key)) ?? '')).toBe(-1)
    await storage.delete(key)
    expect(await storage.get(key)).toBeNull()
  })

  it('lets a value expire after its TTL', async () => {
    const key = name()
    await storage.set(key, 'v', 1)
    await sleep(1_200)
    expect(await storage.get(key)).toBeNull()
  })

  it('getAndDelete() hands a value to exactly one of many concurrent callers', async () => {
    const key = name()
    await storage.set(key, 'once', 60)
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.getAndDelete(key)))
    expect(results.filter((r) => r === 'once')).toHaveLength(1)
    expect(results.filter((r) => r === null)).toHaveLength(9)
  })

  it('increment() counts atomically and sets the TTL only when it creates the key', async () => {
    const key = name()
    const counts = await Promise.all(Array.from({ length: 20 }, () => storage.increment(key, 30)))
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const full = (await keyOf(key)) ?? ''
    await open.redis.expire(full, 5)
    expect(await storage.increment(key, 30)).toBe(21)
    expect(await open.redis.ttl(full)).toBeLessThanOrEqual(5)
  })

  it('increment() starts a new window once the counter expired', async () => {
    const key = name()
    expect(await storage.increment(key, 1)).toBe(1)
    expect(await storage.increment(key, 1)).toBe(2)
    await sleep(1_200)
    expect(await storage.increment(key, 1)).toBe(1)
  })

  it('increment() gives a counter left without a TTL one, so it cannot lock out forever', async () => {
    const key = name()
    await storage.set(key, '7')
    expect(await storage.increment(key, 30)).toBe(8)
    expect(await open.redis.ttl((await keyOf(key)) ?? '')).toBeGreaterThan(0)
  })
})

describe('session write-back scripts', () => {
  it('restore only writes an absent entry that was not deleted in the last minute', async () => {
    const { runScript } = await import('@hotpath/redis')
    const { DELETE, RESTORE } = await import('../src/better-auth')
    const { createTcpRedis } = await import('@hotpath/redis/tcp')
    const { redisTargets } = await import('@hotpath/test-redis')
    const redis = createTcpRedis({ nodes: redisTargets().cluster })
    const id = randomUUID()
    const [entry, tombstone] = [`wb:{${id}}:entry`, `wb:{${id}}:deleted`]
    try {
      expect(await runScript(redis, RESTORE, [entry, tombstone], ['v1', 60])).toBe(1)
      expect(await runScript(redis, RESTORE, [entry, tombstone], ['v2', 60])).toBe(0)
      expect(await redis.get(entry)).toBe('v1')
      await runScript(redis, DELETE, [entry, tombstone], [60])
      expect(await redis.get(entry)).toBeNull()
      expect(await runScript(redis, RESTORE, [entry, tombstone], ['v3', 60])).toBe(0)
      expect(await redis.get(entry)).toBeNull()
      expect(await redis.ttl(tombstone)).toBeGreaterThan(50)
    } finally {
      await redis.del(entry, tombstone)
      await redis.close()
    }
  })
})
