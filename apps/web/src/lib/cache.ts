import { type Cache, createCache } from '@hotpath/cache'
import type { KeyRef } from '@hotpath/keys'
import { registry } from './keys'
import { getRedis } from './redis'

const GLOBAL = Symbol.for('hotpath.web.cache')
type Holder = { [GLOBAL]?: Cache }

/** The app's cache; a pass-through to the loaders when Redis is not configured. */
export function getCache(): Cache {
  const holder = globalThis as Holder
  holder[GLOBAL] ??= createCache({
    redis: getRedis(),
    registry,
    defaults: { grace: '30s', softTimeout: '200ms' },
  })
  return holder[GLOBAL]
}

/**
 * `getOrSet` that also says whether the value came from Redis, for pages that show it.
 * The loader runs only on a miss, so "the loader did not run" is a hit.
 */
export async function getOrSetTracked<T>(
  ref: KeyRef,
  loader: () => Promise<T>,
): Promise<{ value: T; hit: boolean; ms: number }> {
  let loaded = false
  const started = performance.now()
  const value = await cached(ref, async () => {
    loaded = true
    return loader()
  })
  return { value, hit: !loaded, ms: performance.now() - started }
}

/**
 * `getOrSet` typed by its loader. Registry keys without a schema carry no value type, so the
 * loader's return type is the contract (and what every reader of that key gets back).
 */
export function cached<T>(ref: KeyRef, loader: () => Promise<T>): Promise<T> {
  return getCache().getOrSet<T>(ref as KeyRef<T>, loader)
}

/** Share of cache reads served from Redis since this process started; null before any read. */
export function getCacheHitRate(): number | null {
  let hits = 0
  let reads = 0
  for (const counters of Object.values(getCache().stats())) {
    hits += counters.hits + counters.staleServed
    reads += counters.hits + counters.staleServed + counters.misses
  }
  return reads === 0 ? null : hits / reads
}
