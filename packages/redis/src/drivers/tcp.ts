import { type ClientOptions, createClient } from '../client'
import { createTcpTransport, type TcpConnectionOptions } from '../transports/tcp'
import type { ManagedRedisClient } from '../types'

export type TcpRedisOptions = TcpConnectionOptions & ClientOptions

/**
 * Redis, Valkey, Dragonfly or Redis Cluster over TCP (ioredis).
 *
 * @example createTcpRedis('redis://127.0.0.1:6379')
 * @example createTcpRedis({ nodes: [{ host: '10.0.0.1', port: 7000 }], timeoutMs: 500 })
 */
export function createTcpRedis(options: string | TcpRedisOptions = {}): ManagedRedisClient {
  const resolved = typeof options === 'string' ? { url: options } : options
  return createClient(createTcpTransport(resolved), resolved)
}
