import type { ManagedRedisClient } from '@hotpath/redis'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId, signal, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

/**
 * The most poll rounds a waiter can fit into `ms` if every sleep is as short as the backoff
 * allows: 10 ms doubling to 200 ms, each sleep between `delay` and `2 × delay`.
 */
function maxPolls(ms: number): number {
  let polls = 0
  let slept = 0
  let delay = 10
  while (slept + delay <= ms) {
    slept += delay
    polls++
    delay = Math.min(delay * 2, 200)
  }
  return polls
}

describe.each(TARGETS)('waiting for another instance’s loader on %s', (target) => {
  test('getOrSet() polls with backoff while another instance holds the loader lock', async () => {
    const id = runId()
    const key = `${id}:slow`
    const holder = createCache({ redis: await redis.connect(target), prefix: id })
    const client = (await redis.connect(target)) as ManagedRedisClient
    const waiter = createCache({ redis: client, prefix: id })
    const loading = signal()
    const held = holder.getOrSet(key, async () => {
      loading.open()
      await sleep(1200)
      return 'from holder'
    })
    await loading.opened
    let waiterRuns = 0
    const before = client.stats().commands
    const started = Date.now()
    const value = await waiter.getOrSet(key, () => {
      waiterRuns++
      return 'from waiter'
    })
    const waited = Date.now() - started
    const commands = client.stats().commands - before
    expect(value).toBe('from holder')
    expect(waiterRuns).toBe(0)
    expect(await held).toBe('from holder')
    // The wait is one GET, then per poll round one SET NX and one GET. Polling every 10 ms
    // without backoff would be ~240 commands over 1.2 s; with it, ~8 rounds.
    expect(commands).toBeGreaterThanOrEqual(5)
    // (50 ms of slack for timers that fire a little early.)
    expect(commands).toBeLessThanOrEqual(1 + 2 * maxPolls(waited + 50))
  })
})
