import { createTcpRedis } from '@hotpath/redis/tcp'
import { startRedis } from '@hotpath/test-redis'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { range, runId } from './fixtures'

describe('Redis stopped mid-test', () => {
  test('reads fall through to the loader and nothing throws', async () => {
    await using server = await startRedis()
    const client = createTcpRedis({ url: server.url, timeoutMs: 200 })
    try {
      const id = runId()
      const cache = createCache({ redis: client, prefix: id, defaults: { grace: 60 } })
      await cache.set('k', 'cached')
      expect(await cache.getOrSet('k', () => 'loaded')).toBe('cached')
      await server.stop()
      let runs = 0
      const values = await Promise.all(
        range(5).map(() =>
          cache.getOrSet('k', () => {
            runs++
            return 'loaded'
          }),
        ),
      )
      expect(values.every((value) => value === 'loaded')).toBe(true)
      expect(runs).toBe(1)
      expect(await cache.get('k')).toBeUndefined()
      expect(await cache.getMany(['k', 'j'])).toEqual([undefined, undefined])
      expect(await cache.set('k', 'v')).toBe(false)
      expect(await cache.delete('k')).toBe(false)
      expect(await cache.invalidateTags(['t'])).toBe(false)
      expect(await cache.getOrSet('tagged', () => 'fresh', { tags: ['t'] })).toBe('fresh')
      expect(await cache.flags('f').isEnabled('u')).toBe(false)
      expect(cache.stats().default?.errors).toBeGreaterThan(0)
    } finally {
      await client.close()
    }
  })
})
