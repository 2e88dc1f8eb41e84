import { defineKeys, key } from '@hotpath/keys'
import { describe, expect, test } from 'vitest'
import { createCache, errors } from '../src/index'
import { range, redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('structures on %s', (target) => {
  test('a leaderboard ranks members highest first', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const registry = defineKeys({ scores: key('scores', { ttl: '1h' }) }, { prefix: id })
    const board = createCache({ redis: client }).leaderboard(registry.keys.scores)
    await board.add('ann', 10)
    await board.add('bob', 30)
    expect(await board.incr('ann', 25)).toBe(35)
    expect(await board.top(2)).toEqual([
      { member: 'ann', score: 35, rank: 1 },
      { member: 'bob', score: 30, rank: 2 },
    ])
    expect(await board.rank('bob')).toEqual({ rank: 2, score: 30 })
    expect(await board.rank('nobody')).toBeNull()
    const ttl = await client.ttl(board.key)
    expect(ttl).toBeGreaterThan(3500)
  })

  test('a flag is enabled per user with one SISMEMBER per check', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target) })
    const beta = cache.flags(`${id}:flags:beta`)
    await beta.enable('u1')
    expect(await beta.isEnabled('u1')).toBe(true)
    expect(await beta.isEnabled('u2')).toBe(false)
    await beta.disable('u1')
    expect(await beta.isEnabled('u1')).toBe(false)
  })

  test('warm() loads missing entries with bounded concurrency and reports progress', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    await cache.set(`${id}:w0`, 'already')
    let running = 0
    let maxRunning = 0
    const progress: number[] = []
    const result = await cache.warm(
      range(10).map((n) => ({
        key: `${id}:w${n}`,
        loader: async () => {
          running++
          maxRunning = Math.max(maxRunning, running)
          await sleep(20)
          running--
          if (n === 9) throw new Error('nine fails')
          return n
        },
      })),
      { concurrency: 3, onProgress: ({ done }) => progress.push(done) },
    )
    expect(result.loaded).toBe(8)
    expect(result.fresh).toBe(1)
    expect(result.failed.map((failure) => failure.key)).toEqual([`${id}:w9`])
    expect(maxRunning).toBeLessThanOrEqual(3)
    expect(progress).toEqual(range(10).map((n) => n + 1))
    expect(await cache.get(`${id}:w5`)).toBe(5)
    expect(await cache.get(`${id}:w0`)).toBe('already')
  })
})

describe('structures without Redis', () => {
  test('flags read as off and writes say Redis is missing', async () => {
    const flags = createCache({ redis: null }).flags('f')
    expect(await flags.isEnabled('u')).toBe(false)
    await expect(flags.enable('u')).rejects.toMatchObject({ code: errors.E_NO_REDIS })
  })
})
