import type { ManagedRedisClient } from '@hotpath/redis'
import { createRedis } from '@hotpath/redis'

/**
 * The app's Redis client from the environment (UPSTASH_REDIS_REST_* or REDIS_URL), or null
 * when none is configured: every caller keeps working without it (the cache falls through,
 * sessions stay in Postgres). One client per process and configuration.
 */
export function getRedis(): ManagedRedisClient | null {
  return createRedis()
}
