import type { RedisClient } from '@hotpath/redis'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { redisTargets } from '@hotpath/test-redis'
import { afterAll, afterEach } from 'vitest'
import { type CacheOptions, createCache } from '../src/index'

export const TARGETS = ['standalone', 'cluster', 'rest', 'memory'] as const
export type Target = (typeof TARGETS)[number]

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
export const range = (n: number) => Array.from({ length: n }, (_, index) => index)

/** A one-shot latch: `opened` settles once `open()` is called (a loader's start, a gate). */
export function signal(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/** Polls until `check` holds; fails the test past `ms`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await sleep(20)
  }
}

/** A prefix no other test (or test file running in parallel) uses. */
export const runId = () => `t${Math.random().toString(36).slice(2, 10)}`

type RestServer = Awaited<ReturnType<typeof startRestServer>>

/**
 * Opens real clients to the harness servers: TCP standalone, TCP 3-master cluster, and Upstash
 * HTTP through a @hotpath/redis-rest server in front of the standalone server; and the in-process
 * memory driver, which apps get with no Redis installed. Every client is closed after each test;
 * the REST server after the file.
 */
export function redisFixture() {
  const opened: RedisClient[] = []
  const token = 'cache-test-token'
  const timeoutMs = 5000
  let rest: Promise<RestServer> | undefined
  // Memory clients of one fixture share a keyspace, as connections to one server do; the id
  // keeps test files (which may run in one worker) from seeing each other's keys.
  const memoryNamespace = `cache-test-${runId()}`

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.close().catch(() => {})))
  })
  afterAll(async () => {
    if (rest) await (await rest).close()
  })

  const restServer = () => {
    rest ??= startRestServer({ redis: redisTargets().standalone.url, token, port: 0 })
    return rest
  }

  async function connect(target: Target): Promise<RedisClient> {
    const targets = redisTargets()
    let client: RedisClient
    // A generous command timeout: the test machine is shared and often saturated, and these
    // suites test cache behaviour, not timeouts (redis-down.test.ts does that).
    if (target === 'standalone') client = createTcpRedis({ url: targets.standalone.url, timeoutMs })
    else if (target === 'cluster') client = createTcpRedis({ nodes: targets.cluster, timeoutMs })
    else if (target === 'rest')
      client = createUpstashRedis({ url: (await restServer()).url, token, timeoutMs })
    else client = createMemoryRedis({ namespace: memoryNamespace, timeoutMs })
    opened.push(client)
    return client
  }

  /** `n` caches, each over its own client, as `n` separate instances would be. */
  async function caches(target: Target, n: number, options: Omit<CacheOptions, 'redis'>) {
    return Promise.all(
      range(n).map(async () => createCache({ ...options, redis: await connect(target) })),
    )
  }

  return { connect, caches, restServer }
}
