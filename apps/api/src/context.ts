import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Cache } from '@hotpath/cache'
import type { RedisClient } from '@hotpath/redis'
import type { ApiConfig } from './config.ts'
import type { Store } from './db/store.ts'
import { ApiError, errors } from './errors.ts'
import type { Identity } from './identity.ts'
import type { JobQueue } from './jobs/queue.ts'

/** What every route may use; built once in `createApp`. */
export type Services = {
  redis: RedisClient | null
  store: Store
  cache: Cache
  queue: JobQueue | null
  config: ApiConfig
}

export type AppEnv = {
  Variables: {
    identity: Identity
    /** A credential that was sent but is not valid: refused after rate limiting. */
    credentialError: ApiError | undefined
  }
}

export type App = OpenAPIHono<AppEnv>

/** For routes that only exist on top of Redis (queue, pub/sub, leaderboard). */
export function requireRedis(redis: RedisClient | null): RedisClient {
  if (!redis) {
    throw new ApiError(503, errors.E_REDIS_UNAVAILABLE, 'Redis is not configured')
  }
  return redis
}

/** Maps a Redis failure inside a Redis-only route to a 503 with a stable code. */
export async function withRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw new ApiError(503, errors.E_REDIS_UNAVAILABLE, 'Redis did not answer', { cause: error })
  }
}
