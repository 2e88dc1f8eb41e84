import { rawCommand, redisTargets } from '@hotpath/test-redis'
import { Redis } from '@upstash/redis'
import { describe, expect, it } from 'vitest'
import { derivedAclUsers } from '../src/acl'
import { DEFAULT_DENY_LIST } from '../src/commands'
import { call, command, keyPrefix, READ_ONLY_TOKEN, restServer, TOKEN } from './fixtures'

describe('in front of a Redis Cluster', () => {
  it('routes commands by key and runs pipelines that span slots', async () => {
    await using server = await restServer({ redis: { nodes: redisTargets().cluster } })
    const redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false, retry: false })
    const p = keyPrefix()
    const keys = Array.from({ length: 20 }, (_, i) => `${p}${i}`)
    const pipeline = redis.pipeline()
    for (const key of keys) pipeline.set(key, key)
    for (const key of keys) pipeline.get(key)
    const results = await pipeline.exec()
    expect(results.slice(20)).toEqual(keys)
    expect(await redis.get(keys[7] as string)).toBe(keys[7])
  })

  it('runs a multi-key script and a transaction on keys sharing a hash tag', async () => {
    await using server = await restServer({ redis: { nodes: redisTargets().cluster } })
    const redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false, retry: false })
    const tag = `{${keyPrefix()}}`
    const moved = await redis.eval(
      "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('RENAME', KEYS[1], KEYS[2])",
      [`${tag}a`, `${tag}b`],
      ['v'],
    )
    expect(moved).toBe('OK')
    expect(await redis.multi().incr(`${tag}n`).incr(`${tag}n`).get(`${tag}b`).exec()).toEqual([
      1,
      2,
      'v',
    ])
  })

  it('answers a cross-slot transaction with the Redis error', async () => {
    await using server = await restServer({ redis: { nodes: redisTargets().cluster } })
    const p = keyPrefix()
    const response = await call(server.url, '/multi-exec', {
      body: JSON.stringify([
        ['SET', `${p}a`, '1'],
        ['SET', `${p}zz`, '1'],
        ['SET', `${p}qqq`, '1'],
      ]),
    })
    expect(response.status).toBe(400)
    expect(response.json).toEqual({ error: expect.stringMatching(/CROSSSLOT|EXECABORT|MOVED/) })
  })

  it('creates its ACL users on every node, and each node refuses a script what the token may not', async () => {
    await using server = await restServer({ redis: { nodes: redisTargets().cluster } })
    // A request waits for the users; after it they exist everywhere.
    expect((await command(server.url, ['PING'])).json).toEqual({ result: 'PONG' })
    const users = derivedAclUsers(TOKEN, DEFAULT_DENY_LIST)
    for (const node of redisTargets().cluster) {
      const list = await rawCommand(node.port, ['ACL', 'LIST'], node.host)
      expect(list, `${node.port}`).toContain(`user ${users.readWrite.username} on`)
      expect(list, `${node.port}`).toContain('-flushall')
      expect(list, `${node.port}`).toContain(`user ${users.readOnly.username} on`)
    }
    // One key per node: the read-only script lands on each, and each refuses its write.
    const p = keyPrefix()
    for (let i = 0; i < 12; i++) {
      const reply = await command(
        server.url,
        ['EVAL_RO', "return redis.call('SET', KEYS[1], 'x')", '1', `${p}${i}`],
        { token: READ_ONLY_TOKEN },
      )
      expect((reply.json as { error: string }).error).toMatch(/can't run this command/)
    }
  })
})
