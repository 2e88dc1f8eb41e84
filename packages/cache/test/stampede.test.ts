import { describe, expect, test } from 'vitest'
import { range, redisFixture, runId, signal, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('stampede protection on %s', (target) => {
  test('10 clients × 100 concurrent callers on one cold key run the loader exactly once', async () => {
    const id = runId()
    const caches = await redis.caches(target, 10, { prefix: id })
    let runs = 0
    const loader = async () => {
      runs++
      await sleep(100)
      return { answer: 42 }
    }
    const results = await Promise.all(
      caches.flatMap((cache) => range(100).map(() => cache.getOrSet(`${id}:cold`, loader))),
    )
    expect(runs).toBe(1)
    expect(results).toHaveLength(1000)
    expect(results.every((result) => result.answer === 42)).toBe(true)
  })

  test('a waiter runs the loader itself once lockWait has passed', async () => {
    const id = runId()
    const [holder, waiter] = await redis.caches(target, 2, { prefix: id })
    if (!holder || !waiter) throw new Error('two caches expected')
    let release: () => void = () => {}
    const holderLoads = signal()
    const slow = holder.getOrSet(`${id}:slow`, () => {
      holderLoads.open()
      return new Promise<string>((resolve) => {
        release = () => resolve('holder')
      })
    })
    await holderLoads.opened
    const started = Date.now()
    const waited = await waiter.getOrSet(`${id}:slow`, () => 'waiter', { lockWait: 200 })
    expect(waited).toBe('waiter')
    expect(Date.now() - started).toBeGreaterThanOrEqual(180)
    release()
    expect(await slow).toBe('holder')
  })

  test('a loader error reaches every in-process caller and frees the lock for the next try', async () => {
    const id = runId()
    const [cache] = await redis.caches(target, 1, { prefix: id })
    if (!cache) throw new Error('cache expected')
    let runs = 0
    const failing = async () => {
      runs++
      await sleep(20)
      throw new Error('source down')
    }
    const outcomes = await Promise.allSettled(
      range(10).map(() => cache.getOrSet(`${id}:f`, failing)),
    )
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true)
    expect(runs).toBe(1)
    const started = Date.now()
    expect(await cache.getOrSet(`${id}:f`, () => 'ok')).toBe('ok')
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
