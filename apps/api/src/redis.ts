import { createRedis, type RedisClient } from '@hotpath/redis'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import type { ApiConfig } from './config.ts'

export type RedisConnection = {
  client: RedisClient | null
  /** One line for the start-up banner, without secrets. */
  description: string
  close(): Promise<void>
}

const isAddressInUse = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Object; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 'EADDRINUSE') return true
  }
  return false
}

/**
 * Redis as configured: from the environment, or an embedded @hotpath/redis-rest with an
 * in-memory backend reached through the Upstash SDK. When the port is taken, the web app
 * (started by the same command) got there first: both apps then share its memory, so a
 * session created on the web is visible here.
 */
export async function connectRedis(config: ApiConfig): Promise<RedisConnection> {
  if (config.redisMode === 'env') {
    const client = createRedis()
    return {
      client,
      description: client ? `${client.driver} (from the environment)` : 'none',
      close: async () => client?.close(),
    }
  }
  let server: Awaited<ReturnType<typeof startRestServer>> | undefined
  let shared = false
  try {
    server = await startRestServer({
      redis: 'memory://',
      token: config.restToken,
      port: config.restPort,
    })
  } catch (error) {
    if (!isAddressInUse(error)) throw error
    shared = true
  }
  const url = server?.url ?? `http://127.0.0.1:${config.restPort}`
  const client = createUpstashRedis({ url, token: config.restToken })
  if (shared) await client.ping() // fail at start if the port is held by something else
  return {
    client,
    description: `upstash → ${shared ? 'shared' : 'embedded'} @hotpath/redis-rest at ${url} (in-memory)`,
    async close() {
      await client.close()
      await server?.close()
    },
  }
}
