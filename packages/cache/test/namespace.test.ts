import { defineKeys, key } from '@hotpath/keys'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { range, redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

// TARGETS include the memory driver, whose SCAN once choked on the `(*)` of every registry pattern.
describe.each(TARGETS)('invalidateNamespace on %s', (target) => {
  test('removes every key of one template, on every master, and nothing else', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const registry = defineKeys(
      { user: key('user:{userId}'), userTier: key('user:tier:{userId}') },
      { prefix: id },
    )
    const cache = createCache({ redis: client, registry, prefix: id })
    await Promise.all(range(60).map((n) => cache.set(registry.keys.user({ userId: `${n}` }), n)))
    await Promise.all(range(5).map((n) => cache.set(registry.keys.userTier({ userId: `${n}` }), n)))
    const result = await cache.invalidateNamespace(registry.keys.user)
    expect(result).toEqual({ deleted: 60, ok: true })
    expect(await cache.get(registry.keys.user({ userId: '3' }))).toBeUndefined()
    expect(await cache.get(registry.keys.userTier({ userId: '3' }))).toBe(3)
  })
})
