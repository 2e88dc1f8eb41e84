import { redisTargets } from '@hotpath/test-redis'
import { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createTcpRedis } from '../src/drivers/tcp'
import { registerRedisContractSuite } from '../src/testing/index'

// Connections the caller owns: hotpath must not close them, so the test does.
const borrowed: (Redis | Cluster)[] = []
afterAll(() => {
  for (const connection of borrowed) connection.disconnect()
})

function borrow<T extends Redis | Cluster>(connection: T): T {
  borrowed.push(connection)
  return connection
}

registerRedisContractSuite('tcp standalone, borrowed connection', () =>
  createTcpRedis({ connection: borrow(new Redis(redisTargets().standalone.url)), timeoutMs: 5000 }),
)

registerRedisContractSuite('tcp cluster, borrowed connection', () =>
  createTcpRedis({ connection: borrow(new Cluster(redisTargets().cluster)), timeoutMs: 5000 }),
)

describe('a borrowed connection', () => {
  it('stays open after the hotpath client is closed', async () => {
    const connection = borrow(new Redis(redisTargets().standalone.url))
    const client = createTcpRedis({ connection })
    expect(await client.ping()).toBe('PONG')
    await client.close()
    expect(await connection.ping()).toBe('PONG')
  })
})

describe('the options of a borrowed connection apply to every command', () => {
  const url = () => redisTargets().standalone.url
  const id = () => `borrowed-${Math.random().toString(36).slice(2, 10)}`

  it('keyPrefix prefixes the keys hotpath sends', async () => {
    const prefix = `${id()}:`
    const client = createTcpRedis({ connection: borrow(new Redis(url(), { keyPrefix: prefix })) })
    const plain = borrow(new Redis(url()))
    await client.set('k', 'v')
    expect(await plain.get(`${prefix}k`)).toBe('v')
    expect(await plain.get('k')).not.toBe('v')
    expect(await client.get('k')).toBe('v')
    expect(await client.mget(['k', 'absent'])).toEqual(['v', null])
  })

  it('auto-pipelining batches commands issued in one tick', async () => {
    const connection = borrow(new Redis(url(), { enableAutoPipelining: true }))
    const client = createTcpRedis({ connection })
    const key = id()
    await client.set(key, '1')
    const sent = Array.from({ length: 20 }, () => client.incr(key))
    // queued in ioredis' auto-pipeline, not written one by one
    expect(connection.autoPipelineQueueSize).toBe(20)
    const replies = await Promise.all(sent)
    expect(replies.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2))
  })

  it('friendly error stacks still give typed reply errors', async () => {
    const client = createTcpRedis({
      connection: borrow(new Redis(url(), { showFriendlyErrorStack: true })),
    })
    const key = id()
    await client.set(key, 'text')
    await expect(client.incr(key)).rejects.toMatchObject({ code: 'E_COMMAND' })
  })
})
