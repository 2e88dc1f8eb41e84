import { type ClientOptions, createClient } from '../client'
import { createMemoryTransport, type MemoryConnectionOptions } from '../transports/memory'
import type { ManagedRedisClient } from '../types'

export type MemoryRedisOptions = MemoryConnectionOptions & ClientOptions

/**
 * An in-process Redis (ioredis-mock, which runs Lua) for tests and zero-install local runs.
 * Data lives in this process only; `createRedis()` never picks it on its own.
 */
export function createMemoryRedis(options: MemoryRedisOptions = {}): ManagedRedisClient {
  return createClient(createMemoryTransport(options), options)
}
