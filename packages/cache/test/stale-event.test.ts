import { defineKeys, key } from '@hotpath/keys'
import { describe, expect, test } from 'vitest'
import { type CacheEventMap, createCache } from '../src/index'
import { eventually, redisFixture, runId, signal, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('the stale event on %s', (target) => {
  test('the stale event fires once per stale read served inside grace, with key and namespace', async () => {
    const id = runId()
    const registry = defineKeys({ item: key('item:{itemId}') }, { prefix: id })
    const cache = createCache({
      redis: await redis.connect(target),
      registry,
      prefix: id,
      defaults: { ttl: 0.2, grace: 60 },
    })
    const ref = registry.keys.item({ itemId: '1' })
    const stale: CacheEventMap['stale'][] = []
    const hits: CacheEventMap['hit'][] = []
    cache.on('stale', (event) => stale.push(event))
    cache.on('hit', (event) => hits.push(event))
    await cache.getOrSet(ref, () => 'v1')
    expect(stale).toEqual([])
    await sleep(300)
    // The refresh waits for the test, so every read below finds the entry still stale.
    const gate = signal()
    let refreshes = 0
    const refresh = async () => {
      refreshes++
      await gate.opened
      return 'v2'
    }
    expect(await cache.getOrSet(ref, refresh)).toBe('v1')
    expect(await cache.getOrSet(ref, refresh)).toBe('v1')
    expect(await cache.getOrSet(ref, refresh)).toBe('v1')
    expect(stale).toEqual([
      { key: ref.key, namespace: 'item' },
      { key: ref.key, namespace: 'item' },
      { key: ref.key, namespace: 'item' },
    ])
    expect(hits).toEqual([])
    expect(cache.stats().item?.staleServed).toBe(3)
    gate.open()
    await eventually(async () => (await cache.get(ref)) === 'v2')
    expect(refreshes).toBe(1)
    // a fresh read is a hit, not another stale event
    hits.length = 0
    expect(await cache.getOrSet(ref, refresh)).toBe('v2')
    expect(stale).toHaveLength(3)
    expect(hits).toEqual([{ key: ref.key, namespace: 'item', tier: 'l2' }])
  })
})
