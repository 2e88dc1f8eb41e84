import { type ClientOptions, createClient } from '../client'
import { createHttpTransport, type HttpConnectionOptions } from '../transports/http'
import type { ManagedRedisClient } from '../types'

export type HttpRedisOptions = HttpConnectionOptions & ClientOptions

/**
 * hotpath's own client for the Upstash REST protocol: Upstash, Vercel KV, or
 * `@hotpath/redis-rest` in front of any Redis. undici keep-alive sockets on Node, the
 * global `fetch` on edge runtimes and in browsers; several batches in flight at once.
 *
 * @example createHttpRedis({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN! })
 */
export function createHttpRedis(options: HttpRedisOptions): ManagedRedisClient {
  return createClient(createHttpTransport(options), options)
}
