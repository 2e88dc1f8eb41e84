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
