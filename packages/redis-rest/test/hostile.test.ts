import { describe, expect, it } from 'vitest'
import { call, command, READ_ONLY_TOKEN, restServer, startCanary } from './fixtures'

/**
 * A hostile client against the REST server, while a canary client keeps asking PING: each
 * attack must be refused or answered without ending the process, and the canary must keep
 * getting answers within a generous bound (1 s).
 */
const CANARY_BOUND_MS = 1_000

function keys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `hostile-absent-${i}`)
}

describe('huge argument counts', () => {
  it('refuses an MGET of 60 000 keys on the read-only token with 400 E_LIMIT_EXCEEDED, and keeps serving', async () => {
    await using server = await restServer()
    const canary = startCanary(server.url)
    const reply = await command(server.url, ['MGET', ...keys(60_000)], { token: READ_ONLY_TOKEN })
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({
      error: 'ERR 60001 arguments exceed the limit of 10000 per command',
      code: 'E_LIMIT_EXCEEDED',
    })
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.answers).toBeGreaterThan(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('answers commands of 60 000 and 200 000 keys when maxArgs allows them: single, pipeline and multi-exec', async () => {
    // ioredis' generated methods take arguments spread on the stack; a command this long
    // overflowed it and auto-pipelining then threw outside any promise, ending the process.
    await using server = await restServer({ maxArgs: 250_000 })
    const canary = startCanary(server.url)
    for (const count of [60_000, 200_000]) {
      const reply = await command(server.url, ['MGET', ...keys(count)], { token: READ_ONLY_TOKEN })
      expect(reply.status).toBe(200)
      const result = (reply.json as { result: unknown[] }).result
      expect(result).toHaveLength(count)
      expect(result.every((value) => value === null)).toBe(true)
    }
    for (const path of ['/pipeline', '/multi-exec']) {
      const batch = await call(server.url, path, {
        body: JSON.stringify([['MGET', ...keys(200_000)], ['PING']]),
      })
      expect(batch.status).toBe(200)
      expect((batch.json as { result: unknown }[])[1]).toEqual({ result: 'PONG' })
    }
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('refuses a command over maxArgs with 400 E_LIMIT_EXCEEDED, in every request style', async () => {
    await using server = await restServer({ maxArgs: 1000 })
    const short = Array.from({ length: 1000 }, (_, i) => `k${i}`)
    const body = {
      error: 'ERR 1001 arguments exceed the limit of 1000 per command',
      code: 'E_LIMIT_EXCEEDED',
    }
    const single = await command(server.url, ['MGET', ...short])
    expect(single.status).toBe(400)
    expect(single.json).toEqual(body)
    const pipeline = await call(server.url, '/pipeline', {
      body: JSON.stringify([['PING'], ['MGET', ...short]]),
    })
    expect(pipeline.status).toBe(400)
    expect(pipeline.json).toEqual(body)
    const path = await call(server.url, `/mget?${short.join('&')}`, { method: 'GET' })
    expect(path.status).toBe(400)
    expect(path.json).toEqual(body)
    expect((await command(server.url, ['MGET', ...short.slice(1)])).status).toBe(200)
  })
})
