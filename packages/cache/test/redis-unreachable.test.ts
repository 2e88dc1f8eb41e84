import { createServer } from 'node:net'
import { defineKeys, key } from '@hotpath/keys'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { describe, expect, test } from 'vitest'
import { type CacheEventMap, createCache } from '../src/index'
import { runId } from './fixtures'

/** A loopback port nothing listens on: bound by a server that is closed again at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  return address.port
}

describe('invalidateNamespace with Redis unreachable', () => {
  test('invalidateNamespace() resolves with ok false and reports the error instead of throwing', async () => {
    const id = runId()
    const client = createTcpRedis({
      url: `redis://127.0.0.1:${await closedPort()}`,
      timeoutMs: 300,
      retries: 0,
    })
    try {
      const registry = defineKeys({ user: key('user:{userId}') }, { prefix: id })
      const cache = createCache({ redis: client, registry, prefix: id })
      const failures: CacheEventMap['error'][] = []
      const invalidations: CacheEventMap['invalidate'][] = []
      cache.on('error', (event) => failures.push(event))
      cache.on('invalidate', (event) => invalidations.push(event))
      const started = Date.now()
      const result = await cache.invalidateNamespace(registry.keys.user)
      expect(result).toEqual({ deleted: 0, ok: false })
      expect(Date.now() - started).toBeLessThan(2500)
      expect(failures.map((failure) => failure.operation)).toEqual(['invalidateNamespace'])
      expect(failures[0]?.error).toBeInstanceOf(Error)
      expect(invalidations).toEqual([])
      expect(cache.stats().default?.errors).toBe(1)
    } finally {
      await client.close()
    }
  })
})
