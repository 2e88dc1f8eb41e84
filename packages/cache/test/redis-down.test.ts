import type { ManagedRedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { type RedisServer, startRedis } from '@hotpath/test-redis'
import type { CacheHandler as NextIncrementalHandler } from 'next/dist/server/lib/incremental-cache'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { createIncrementalCacheHandler, createUseCacheHandler } from '../src/next/index'
import { range, runId, signal } from './fixtures'

const TOKEN = 'redis-down-token'

/**
 * A client on a private redis-server, and `stop()`, which takes away what the client talks to:
 * the redis-server (tcp; rest-redis, where the REST server stays up and answers errors), or
 * the REST server itself (rest-server). Short timeouts: these tests are about degrading.
 */
type Path = 'tcp' | 'rest-redis' | 'rest-server'
type Rig = {
  client: ManagedRedisClient
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

async function rig(path: Path): Promise<Rig> {
  const server: RedisServer = await startRedis()
  if (path === 'tcp') {
    const client = createTcpRedis({ url: server.url, timeoutMs: 200 })
    return {
      client,
      stop: () => server.stop(),
      async [Symbol.asyncDispose]() {
        await client.close()
        await server.stop()
      },
    }
  }
  const rest = await startRestServer({ redis: server.url, token: TOKEN, port: 0 })
  const client = createUpstashRedis({ url: rest.url, token: TOKEN, timeoutMs: 500, retries: 0 })
  let restClosed = false
  const closeRest = async () => {
    if (restClosed) return
    restClosed = true
    await rest.close()
  }
  return {
    client,
    stop: () => (path === 'rest-redis' ? server.stop() : closeRest()),
    async [Symbol.asyncDispose]() {
      await client.close()
      await closeRest()
      await server.stop()
    },
  }
}

const PATHS: Path[] = ['tcp', 'rest-redis', 'rest-server']

const nextContext = { revalidatedTags: [], _requestHeaders: {} }
// Next declares kinds as const enums, which isolated modules cannot reference: cast the literal.
type GetContext = Parameters<InstanceType<typeof NextIncrementalHandler>['get']>[1]
const pageContext = { kind: 'APP_PAGE', softTags: [] } as unknown as GetContext

describe.each(PATHS)('Redis stopped mid-test (%s)', (path) => {
  test('reads fall through to the loader and nothing throws', async () => {
    await using setup = await rig(path)
    const id = runId()
    const cache = createCache({ redis: setup.client, prefix: id, defaults: { grace: 60 } })
    await cache.set('k', 'cached')
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('cached')
    await setup.stop()
    let runs = 0
    const values = await Promise.all(
      range(5).map(() =>
        cache.getOrSet('k', () => {
          runs++
          return 'loaded'
        }),
      ),
    )
    expect(values.every((value) => value === 'loaded')).toBe(true)
    expect(runs).toBe(1)
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.getMany(['k', 'j'])).toEqual([undefined, undefined])
    expect(await cache.set('k', 'v')).toBe(false)
    expect(await cache.delete('k')).toBe(false)
    expect(await cache.invalidateTags(['t'])).toBe(false)
    expect(await cache.getOrSet('tagged', () => 'fresh', { tags: ['t'] })).toBe('fresh')
    expect(await cache.flags('f').isEnabled('u')).toBe(false)
    expect(cache.stats().default?.errors).toBeGreaterThan(0)
  })

  test('after a failed read, getOrSet runs the loader without trying the write-back', async () => {
    await using setup = await rig(path)
    const cache = createCache({ redis: setup.client, prefix: runId() })
    await cache.set('k', 'cached')
    await setup.stop()
    const before = setup.client.stats()
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded')
    const after = setup.client.stats()
    // One failed GET, no SET: a second failing command would double the call's cost.
    expect(after.errors - before.errors).toBe(1)
  })

  test('Redis lost while a loader runs: every caller gets the loaded value, the write fails quietly', async () => {
    await using setup = await rig(path)
    const cache = createCache({ redis: setup.client, prefix: runId() })
    const errors: string[] = []
    cache.on('error', (event) => errors.push(event.operation))
    let runs = 0
    // The loader holds the lock and runs; Redis goes away; only then does the loader finish.
    const loaderStarted = signal()
    const redisGone = signal()
    const loading = Promise.all(
      range(10).map(() =>
        cache.getOrSet('slow', async () => {
          runs++
          loaderStarted.open()
          await redisGone.opened
          return { loaded: true }
        }),
      ),
    )
    await loaderStarted.opened
    await setup.stop()
    redisGone.open()
    expect(await loading).toEqual(range(10).map(() => ({ loaded: true })))
    expect(runs).toBe(1)
    // the write of the loaded value (and the lock release) failed and were served around
    expect(errors.length).toBeGreaterThan(0)
    expect(cache.stats().default?.loaderRuns).toBe(1)
  })

  test("Next's handlers read misses and write nothing, without throwing", async () => {
    await using setup = await rig(path)
    const warnings: string[] = []
    const options = {
      redis: setup.client,
      prefix: runId(),
      onError: (_error: unknown, operation: string) => {
        warnings.push(operation)
      },
    }
    const useCache = createUseCacheHandler(options)
    const Incremental = createIncrementalCacheHandler(options)
    const incremental = new Incremental(nextContext)
    await setup.stop()
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('<p>hi</p>'))
        controller.close()
      },
    })
    const pending = Promise.resolve({
      value: body,
      tags: ['posts'],
      stale: 30,
      timestamp: Date.now(),
      expire: 3600,
      revalidate: 900,
    })
    await expect(useCache.set('k', pending)).resolves.toBeUndefined()
    await expect(useCache.get('k', [])).resolves.toBeUndefined()
    await expect(useCache.updateTags(['posts'])).resolves.toBeUndefined()
    await expect(incremental.get('/page', pageContext)).resolves.toBeNull()
    await expect(incremental.revalidateTag('posts')).resolves.toBeUndefined()
    expect(warnings.length).toBeGreaterThanOrEqual(3)
  })
})
