import { defineKeys, key } from '@hotpath/keys'
import type { ManagedRedisClient } from '@hotpath/redis'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import { redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

describe.each(TARGETS)('flags on %s', (target) => {
  test('isEnabled() costs exactly one command', async () => {
    const id = runId()
    const client = (await redis.connect(target)) as ManagedRedisClient
    const flags = createCache({ redis: client }).flags(`${id}:flags:one`)
    await flags.enable('u1')
    for (const user of ['u1', 'u2']) {
      const before = client.stats().commands
      await flags.isEnabled(user)
      expect(client.stats().commands - before).toBe(1)
    }
  })

  test('flags(definition) enables per user at the definition’s key', async () => {
    const id = runId()
    const client = await redis.connect(target)
    const registry = defineKeys({ beta: key('flags:beta') }, { prefix: id })
    const beta = createCache({ redis: client }).flags(registry.keys.beta)
    expect(beta.key).toBe(registry.keys.beta().key)
    expect(await beta.isEnabled('u1')).toBe(false)
    await beta.enable('u1')
    expect(await beta.isEnabled('u1')).toBe(true)
    expect(await beta.isEnabled('u2')).toBe(false)
    expect(await client.sismember(registry.keys.beta().key, 'u1')).toBe(1)
    // another cache instance over its own client sees the same flag
    const other = createCache({ redis: await redis.connect(target) }).flags(registry.keys.beta)
    expect(await other.isEnabled('u1')).toBe(true)
    await other.disable('u1')
    expect(await beta.isEnabled('u1')).toBe(false)
  })
})

describe('flags over REST', () => {
  test('isEnabled() is one HTTP request to the REST server', async () => {
    const id = runId()
    const server = await redis.restServer()
    const flags = createCache({ redis: await redis.connect('rest') }).flags(`${id}:flags:http`)
    await flags.enable('u1')
    let before = server.requests
    expect(await flags.isEnabled('u1')).toBe(true)
    expect(server.requests - before).toBe(1)
    before = server.requests
    expect(await flags.isEnabled('u2')).toBe(false)
    expect(server.requests - before).toBe(1)
  })
})
