import type { RedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { startRedis } from '@hotpath/test-redis'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { range, runId, sleep } from './fixtures'

const TOKEN = 'outage-token'
const CALLERS = 20

/**
 * 20 callers doing getOrSet on a private redis-server that is SIGKILLed under load and
 * restarted on its port, with the client's default resilience options. Bounds are loose
 * enough for a busy 2-core CI machine; the precise timeline is the `outage` bench scenario.
 */
describe.each(['tcp', 'rest'] as const)('Redis SIGKILLed under load (%s)', (path) => {
  test('no exceptions, calls fail fast, hits resume soon after restart', async () => {
    let server = await startRedis()
    const port = server.port
    const rest =
      path === 'rest'
        ? await startRestServer({ redis: server.url, token: TOKEN, port: 0 })
        : undefined
    const client: RedisClient = rest
      ? createUpstashRedis({ url: rest.url, token: TOKEN })
      : createTcpRedis({ url: server.url })
    const cache = createCache({ redis: client, prefix: runId() })
    try {
      await cache.set('k', 'cached')
      let exceptions = 0
      let stop = false
      let killedAt = Number.POSITIVE_INFINITY
      let restartedAt = Number.POSITIVE_INFINITY
      let firstHit = Number.POSITIVE_INFINITY
      let slowest = 0
      const caller = async () => {
        while (!stop) {
          const started = Date.now()
          // A hit: Redis answered with a value, so the loader did not run.
          let hit = true
          try {
            await cache.getOrSet('k', () => {
              hit = false
              return 'loaded'
            })
          } catch {
            exceptions++
          }
          const ended = Date.now()
          // Calls that started after the kill: the ones the outage may slow down.
          if (started > killedAt) slowest = Math.max(slowest, ended - started)
          if (hit && started > restartedAt && ended < firstHit) firstHit = ended
          await sleep(5)
        }
      }
      const callers = range(CALLERS).map(caller)
      await sleep(500)
      killedAt = Date.now()
      process.kill(server.pid, 'SIGKILL')
      await server.stop()
      await sleep(2000)
      server = await startRedis({ port })
      restartedAt = Date.now()
      const deadline = Date.now() + 8000
      while (firstHit === Number.POSITIVE_INFINITY && Date.now() < deadline) await sleep(50)
      stop = true
      await Promise.all(callers)
      expect(exceptions).toBe(0)
      // Before the fix: 0.75–3 s per call over tcp, 0.4–2.5 s over REST.
      expect(slowest).toBeLessThan(1000)
      expect(firstHit - restartedAt).toBeLessThan(3000)
    } finally {
      await client.close()
      await rest?.close()
      await server.stop()
    }
  }, 30_000)
})
