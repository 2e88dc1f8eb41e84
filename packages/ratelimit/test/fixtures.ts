import { randomUUID } from 'node:crypto'
import type { ManagedRedisClient } from '@hotpath/redis'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { redisTargets } from '@hotpath/test-redis'

export const DRIVERS = ['standalone', 'cluster', 'memory', 'rest'] as const
export type Driver = (typeof DRIVERS)[number]

/**
 * Clients of one driver, all against the same data (the shared standalone server, the
 * cluster, one memory namespace, or one REST server in front of the standalone server).
 * Disposing closes every client it made and the REST server.
 */
export type DriverPool = {
  name: Driver
  client(): ManagedRedisClient
  /** HTTP requests the REST server has served; only for 'rest'. */
  requests(): number
  [Symbol.asyncDispose](): Promise<void>
}

const TOKEN = 'ratelimit-test-token'

/**
 * The test machine is shared and often saturated: a slow answer must not turn into a
 * fail-open result or an open breaker in tests that assert exact counts.
 */
const PATIENT = { timeoutMs: 20_000, breakerThreshold: 1_000_000 } as const

export async function openDriver(name: Driver): Promise<DriverPool> {
  const targets = redisTargets()
  const clients: ManagedRedisClient[] = []
  let server: Awaited<ReturnType<typeof startRestServer>> | undefined
  let make: () => ManagedRedisClient
  switch (name) {
    case 'standalone':
      make = () => createTcpRedis({ url: targets.standalone.url, ...PATIENT })
      break
    case 'cluster':
      make = () => createTcpRedis({ nodes: targets.cluster, ...PATIENT })
      break
    case 'memory': {
      const namespace = randomUUID()
      make = () => createMemoryRedis({ namespace, ...PATIENT })
      break
    }
    case 'rest': {
      const rest = await startRestServer({ redis: targets.standalone.url, token: TOKEN, port: 0 })
      server = rest
      make = () => createUpstashRedis({ url: rest.url, token: TOKEN, ...PATIENT })
      break
    }
  }
  return {
    name,
    client() {
      const client = make()
      clients.push(client)
      return client
    },
    requests: () => server?.requests ?? 0,
    async [Symbol.asyncDispose]() {
      await Promise.allSettled(clients.map((c) => c.close()))
      await server?.close()
    },
  }
}

/** A prefix no other test uses, so tests can share servers without FLUSHDB. */
export function uniquePrefix(): string {
  return `rltest-${randomUUID().slice(0, 8)}`
}
