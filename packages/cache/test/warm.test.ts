import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('warm() on %s', (target) => {
  test('warm() with force reloads entries that are already cached', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    await cache.set(`${id}:a`, 'old a')
    await cache.set(`${id}:b`, 'old b')
    let runs = 0
    const result = await cache.warm(
      ['a', 'b', 'c'].map((name) => ({
        key: `${id}:${name}`,
        loader: () => {
          runs++
          return `new ${name}`
        },
      })),
      { force: true },
    )
    expect(result).toEqual({ loaded: 3, fresh: 0, failed: [] })
    expect(runs).toBe(3)
    expect(await cache.getMany([`${id}:a`, `${id}:b`, `${id}:c`])).toEqual([
      'new a',
      'new b',
      'new c',
    ])
  })

  test('warm() without force keeps entries that are already cached', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    await cache.set(`${id}:a`, 'old a')
    let runs = 0
    const result = await cache.warm(
      ['a', 'b'].map((name) => ({
        key: `${id}:${name}`,
        loader: () => {
          runs++
          return `new ${name}`
        },
      })),
    )
    expect(result).toEqual({ loaded: 1, fresh: 1, failed: [] })
    expect(runs).toBe(1)
    expect(await cache.getMany([`${id}:a`, `${id}:b`])).toEqual(['old a', 'new b'])
  })
})
