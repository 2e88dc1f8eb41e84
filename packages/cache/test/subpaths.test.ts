import { describe, expect, test } from 'vitest'
import { createCache, errors } from '../src/index'
import { acquireLock, withLock } from '../src/lock/index'
import { createFlags, createLeaderboard } from '../src/structures'
import { redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('subpath exports on %s', (target) => {
  test('@hotpath/cache/lock takes the same lock as a cache with the same prefix', async () => {
    const prefix = runId()
    const client = await redis.connect(target)
    const cache = createCache({ redis: client, prefix })
    const lock = await acquireLock(client, 'report', { prefix, ttl: '5s' })
    expect(lock).not.toBeNull()
    expect(await cache.acquireLock('report')).toBeNull()
    await lock?.release()
    const viaCache = await cache.acquireLock('report')
    expect(viaCache?.fencingToken).toBeGreaterThan(lock?.fencingToken ?? Number.POSITIVE_INFINITY)
    await viaCache?.release()
    // another prefix is another lock
    const other = await acquireLock(client, 'report', { prefix: runId() })
    expect(other).not.toBeNull()
    await other?.release()
  })

  test('@hotpath/cache/lock withLock runs the section and refuses bad options with a typed error', async () => {
    const client = await redis.connect(target)
    expect(await withLock(client, 'job', () => 42, { prefix: runId() })).toBe(42)
    await expect(withLock(client, 'job', () => 1, 'fast' as never)).rejects.toMatchObject({
      code: errors.E_OPTION_INVALID,
    })
    await expect(acquireLock(null, 'job')).rejects.toMatchObject({
      code: errors.E_LOCK_UNAVAILABLE,
    })
  })

  test('@hotpath/cache/structures works without a cache', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const board = createLeaderboard(client, `${id}:board`)
    await board.add('ann', 3)
    await board.incr('bob', 5)
    expect(await board.top(2)).toEqual([
      { member: 'bob', score: 5, rank: 1 },
      { member: 'ann', score: 3, rank: 2 },
    ])
    const flags = createFlags(client, `${id}:flags`)
    await flags.enable('u1')
    expect(await flags.isEnabled('u1')).toBe(true)
    expect(await createCache({ redis: client }).flags(`${id}:flags`).isEnabled('u1')).toBe(true)
  })
})
