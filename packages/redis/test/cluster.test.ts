import { redisTargets } from '@hotpath/test-redis'
import { afterAll, describe, expect, it } from 'vitest'
import { createTcpRedis } from '../src/drivers/tcp'
import { errors, RedisError } from '../src/errors'

describe('tcp driver on a cluster', () => {
  const client = createTcpRedis({ nodes: redisTargets().cluster, breakerThreshold: 2 })
  afterAll(() => client.close())

  it('reports a cross-slot MGET as a command error that leaves the breaker closed', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `cluster-test:${Date.now()}:${i}`)
    for (let attempt = 0; attempt < 3; attempt++) {
      const failure = await client.mget(keys).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(RedisError)
      expect((failure as RedisError).code).toBe(errors.E_COMMAND)
      expect((failure as RedisError).message).toContain('CROSSSLOT')
    }
    expect(client.breaker).toBe('closed')
    expect(await client.mget([`{t}${keys[0]}`, `{t}${keys[1]}`])).toEqual([null, null])
  })
})
