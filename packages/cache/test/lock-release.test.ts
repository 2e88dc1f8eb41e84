import type { ManagedRedisClient } from '@hotpath/redis'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('lock release on %s', (target) => {
  test('release() is one command: a single atomic script call', async () => {
    const id = runId()
    const client = (await redis.connect(target)) as ManagedRedisClient
    const cache = createCache({ redis: client, prefix: id })
    // The first run of the release script on a node may be EVALSHA + EVAL (NOSCRIPT); the
    // same resource lives on the same node, so one round first makes the script known there.
    const warm = await cache.acquireLock('job')
    expect(await warm?.release()).toBe(true)
    const lock = await cache.acquireLock('job')
    expect(lock).not.toBeNull()
    const before = client.stats().commands
    expect(await lock?.release()).toBe(true)
    expect(client.stats().commands - before).toBe(1)
    // released for real: anyone can take it now
    expect(await cache.acquireLock('job')).not.toBeNull()
  })

  test('a stale holder’s release() returns false in one command and leaves the new holder able to extend', async () => {
    const id = runId()
    const clientA = (await redis.connect(target)) as ManagedRedisClient
    const a = createCache({ redis: clientA, prefix: id })
    const b = createCache({ redis: await redis.connect(target), prefix: id })
    const warm = await a.acquireLock('job')
    expect(await warm?.release()).toBe(true)
    const first = await a.acquireLock('job', { ttl: 100 })
    expect(first).not.toBeNull()
    await sleep(250)
    const second = await b.acquireLock('job', { ttl: 1000 })
    expect(second).not.toBeNull()
    const before = clientA.stats().commands
    expect(await first?.release()).toBe(false)
    expect(clientA.stats().commands - before).toBe(1)
    // the second holder still owns the lock: it can extend it and nobody else can take it
    expect(await second?.extend(5000)).toBe(true)
    expect(await a.acquireLock('job')).toBeNull()
    await sleep(1300)
    // the extension held past the original 1 s ttl
    expect(await a.acquireLock('job')).toBeNull()
    expect(await second?.release()).toBe(true)
  })
})
