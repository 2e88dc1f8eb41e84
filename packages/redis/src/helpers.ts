import { getRedis } from './env'
import { errors, RedisError } from './errors'
import { deserialize, serialize } from './serializer'
import { countersOf, countRead } from './stats'
import type { RedisClient } from './types'

/** A plain key, or anything carrying one, such as a `KeyRef` from `@hotpath/keys`. */
export type CacheKey = string | { readonly key: string }

export type CacheHelpers = {
  /** The stored value, or null when absent, corrupt, or Redis is missing or unreachable. */
  getCache<T>(key: CacheKey): Promise<T | null>
  /** True when stored. No ttl = no expiry. Rejects with E_INVALID_ARGUMENT for a bad ttl. */
  setCache(key: CacheKey, value: unknown, ttlSeconds?: number): Promise<boolean>
  /** True when Redis confirmed the key is gone; false when Redis is missing or failed. */
  deleteCache(key: CacheKey): Promise<boolean>
}

const keyOf = (key: CacheKey) => (typeof key === 'string' ? key : key.key)

/**
 * Null-safe helpers over one client, or over whatever `resolve` returns at call time.
 * They never throw for a missing or failing Redis: Redis is a cache, not the source of truth.
 */
export function createCacheHelpers(
  client: RedisClient | null | (() => RedisClient | null),
): CacheHelpers {
  const resolve = typeof client === 'function' ? client : () => client
  return {
    async getCache<T>(key: CacheKey): Promise<T | null> {
      const redis = resolve()
      if (!redis) return null
      const name = keyOf(key)
      let raw: string | null
      try {
        raw = await redis.get(name)
      } catch {
        return null
      }
      const counters = countersOf(redis)
      if (raw !== null) {
        const result = deserialize<T>(raw)
        if (result.ok) {
          countRead(counters, true)
          if (counters.debug) console.debug(`[hotpath] HIT ${name}`)
          return result.value
        }
        counters.corrupt++
      }
      countRead(counters, false)
      if (counters.debug)
        console.debug(`[hotpath] MISS ${name}${raw === null ? '' : ' (corrupt value)'}`)
      return null
    },

    async setCache(key: CacheKey, value: unknown, ttlSeconds?: number): Promise<boolean> {
      if (ttlSeconds !== undefined && (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)) {
        throw new RedisError(
          errors.E_INVALID_ARGUMENT,
          `setCache() ttlSeconds must be a positive integer or omitted, got ${String(ttlSeconds)}`,
        )
      }
      const redis = resolve()
      if (!redis) return false
      const name = keyOf(key)
      if (countersOf(redis).debug)
        console.debug(`[hotpath] SET ${name} ttl=${ttlSeconds ?? 'none'}`)
      try {
        const raw = serialize(value)
        const reply = await redis.set(
          name,
          raw,
          ttlSeconds === undefined ? undefined : { ex: ttlSeconds },
        )
        return reply === 'OK'
      } catch {
        return false
      }
    },

    async deleteCache(key: CacheKey): Promise<boolean> {
      const redis = resolve()
      if (!redis) return false
      try {
        await redis.del(keyOf(key))
        return true
      } catch {
        return false
      }
    },
  }
}

const fromEnv = createCacheHelpers(getRedis)

/** `getCache` over `getRedis()`: null when Redis is not configured or unreachable. */
export const getCache = fromEnv.getCache
/** `setCache` over `getRedis()`: false when Redis is not configured or unreachable. */
export const setCache = fromEnv.setCache
/** `deleteCache` over `getRedis()`: false when Redis is not configured or unreachable. */
export const deleteCache = fromEnv.deleteCache
