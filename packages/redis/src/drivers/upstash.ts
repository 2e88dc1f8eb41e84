import { type ClientOptions, createClient } from '../client'
import { createUpstashTransport, type UpstashConnectionOptions } from '../transports/upstash'
import type { ManagedRedisClient } from '../types'

export type UpstashRedisOptions = UpstashConnectionOptions & ClientOptions

/**
 * Upstash Redis over HTTP (`@upstash/redis`), or any server speaking its REST protocol
 * such as `@hotpath/redis-rest`.
 *
 * @example createUpstashRedis({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN! })
 */
export function createUpstashRedis(options: UpstashRedisOptions): ManagedRedisClient {
  return createClient(createUpstashTransport(options), options)
}
