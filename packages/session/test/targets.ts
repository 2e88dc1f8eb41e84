import type { RedisClient } from '@hotpath/redis'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { redisTargets } from '@hotpath/test-redis'

export type OpenTarget = {
  redis: RedisClient
  /** HTTP requests the REST server answered, when the target goes through it. */
  requests?: () => number
  close(): Promise<void>
}

export type Target = { name: string; open(): Promise<OpenTarget> }

// Correctness, not latency, is under test, on a shared 2-core machine: be patient.
const patient = { timeoutMs: 5_000 }

/** Every real Redis the store must work on: standalone, the 3-master cluster, the REST server. */
export const targets: Target[] = [
  {
    name: 'tcp standalone',
    async open() {
      const redis = createTcpRedis({ url: redisTargets().standalone.url, ...patient })
      return { redis, close: () => redis.close() }
    },
  },
  {
    name: 'tcp cluster',
    async open() {
      const redis = createTcpRedis({ nodes: redisTargets().cluster, ...patient })
      return { redis, close: () => redis.close() }
    },
  },
  {
    name: 'upstash over the REST server',
    async open() {
      const token = `token-${Math.random().toString(36).slice(2)}`
      const server = await startRestServer({ redis: redisTargets().standalone.url, token, port: 0 })
      const redis = createUpstashRedis({ url: server.url, token, ...patient })
      return {
        redis,
        requests: () => server.requests,
        async close() {
          await redis.close()
          await server.close()
        },
      }
    },
  },
]

/** The in-process memory driver (ioredis-mock): for consumers' tests, not a real server. */
export const memoryTarget: Target = {
  name: 'memory',
  async open() {
    const redis = createMemoryRedis()
    return { redis, close: () => redis.close() }
  },
}
