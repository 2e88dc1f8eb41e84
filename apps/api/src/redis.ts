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

/** Start-up failed for a reason the operator can fix; main prints the message, no stack. */
export class StartupError extends Error {
  override name = 'StartupError'
}

/**
 * Redis as configured: from the environment, or an embedded @hotpath/redis-rest with an
 * in-memory backend reached through the Upstash SDK. To share one Redis with the web app,
 * pass its REST URL and token (the root `pnpm start` does): a busy port is never taken to
 * be a server of ours.
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
  let server: Awaited<ReturnType<typeof startRestServer>>
  try {
    server = await startRestServer({
      redis: 'memory://',
      token: config.restToken,
      port: config.restPort,
      host: '127.0.0.1',
    })
  } catch (error) {
    if (!isAddressInUse(error)) throw error
    throw new StartupError(
      `HOTPATH_REST_PORT=${config.restPort} is in use by another process. Unset it (a free port is picked), choose another, or set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (or REDIS_URL) to use a Redis that is already running.`,
      { cause: error },
    )
  }
  const client = createUpstashRedis({ url: server.url, token: config.restToken })
  return {
    client,
    description: `upstash → embedded @hotpath/redis-rest at ${server.url} (in-memory)`,
    async close() {
      await client.close()
      await server.close()
    },
  }
}
