import { createRedis } from '@hotpath/redis'
import { createHttpRedis } from '@hotpath/redis/http'
import { registerRedisContractSuite } from '@hotpath/redis/testing'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { redisTargets, startRedis } from '@hotpath/test-redis'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningRestServer, startRestServer } from '../src/node'
import { TOKEN } from './fixtures'

// The upstash driver (the real @upstash/redis SDK) through this server, once in front of
// the harness's redis-server and once in front of the in-process memory backend.
const servers: RunningRestServer[] = []
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
})

async function throughServer(redis: string) {
  const server = await startRestServer({ redis, token: TOKEN, port: 0 })
  servers.push(server)
  // Behaviour, not latency: a generous timeout keeps a loaded CI machine from failing it.
  return createUpstashRedis({ url: server.url, token: TOKEN, timeoutMs: 5000 })
}

async function httpThroughServer(redis: string, encoding: 'json' | 'base64' = 'json') {
  const server = await startRestServer({ redis, token: TOKEN, port: 0 })
  servers.push(server)
  return createHttpRedis({ url: server.url, token: TOKEN, timeoutMs: 5000, encoding })
}

async function stoppedServerHttpClient() {
  const server = await startRestServer({ redis: 'memory://', token: TOKEN, port: 0 })
  await fetch(`${server.url}/ping`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const client = createHttpRedis({ url: server.url, token: TOKEN, timeoutMs: 300, retries: 0 })
  await client.ping()
  await server.close()
  return client
}

// A REST server that answered once, then went away.
async function stoppedServerClient() {
  const server = await startRestServer({ redis: 'memory://', token: TOKEN, port: 0 })
  // The first request loads the memory backend; keep that out of the client's 300 ms.
  await fetch(`${server.url}/ping`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const client = createUpstashRedis({ url: server.url, token: TOKEN, timeoutMs: 300, retries: 0 })
  await client.ping()
  await server.close()
  return client
}

// hotpath's own REST client (@hotpath/redis/http), undici on Node.
registerRedisContractSuite(
  'http via redis-rest (redis-server)',
  () => httpThroughServer(redisTargets().standalone.url),
  { unreachable: stoppedServerHttpClient, tracks: false },
)

registerRedisContractSuite(
  'http with Upstash-Encoding: base64 via redis-rest (redis-server)',
  () => httpThroughServer(redisTargets().standalone.url, 'base64'),
  { unreachable: stoppedServerHttpClient, tracks: false },
)

registerRedisContractSuite(
  'http via redis-rest (memory://)',
  () => httpThroughServer('memory://'),
  {
    unreachable: stoppedServerHttpClient,
    tracks: false,
  },
)

registerRedisContractSuite(
  'upstash via redis-rest (redis-server)',
  () => throughServer(redisTargets().standalone.url),
  {
    unreachable: stoppedServerClient,
    tracks: false,
  },
)

// What apps get from UPSTASH_REDIS_REST_*: the http driver by default (the SDK with
// restDriver: 'upstash'), loaded on first use behind a wrapper.
async function fromEnv(restDriver: 'http' | 'upstash') {
  const server = await startRestServer({
    redis: redisTargets().standalone.url,
    token: TOKEN,
    port: 0,
  })
  servers.push(server)
  const env = { UPSTASH_REDIS_REST_URL: server.url, UPSTASH_REDIS_REST_TOKEN: TOKEN }
  const client = createRedis({ env, timeoutMs: 5000, restDriver })
  if (!client) throw new Error('createRedis() returned null for UPSTASH_REDIS_REST_*')
  if (client.driver !== restDriver) throw new Error(`createRedis() chose ${client.driver}`)
  return client
}

registerRedisContractSuite(
  'http from UPSTASH_REDIS_REST_* (createRedis, the default) via redis-rest (redis-server)',
  () => fromEnv('http'),
  { unreachable: stoppedServerHttpClient, tracks: false },
)

registerRedisContractSuite(
  'upstash from UPSTASH_REDIS_REST_* (createRedis, restDriver: upstash) via redis-rest (redis-server)',
  () => fromEnv('upstash'),
  { unreachable: stoppedServerClient, tracks: false },
)

registerRedisContractSuite('upstash via redis-rest (memory://)', () => throughServer('memory://'), {
  unreachable: stoppedServerClient,
  tracks: false,
})

describe('the hotpath upstash driver through redis-rest', () => {
  it('sends commands issued in one tick as one HTTP request, each settling on its own', async () => {
    const server = await startRestServer({
      redis: redisTargets().standalone.url,
      token: TOKEN,
      port: 0,
    })
    servers.push(server)
    const client = createUpstashRedis({ url: server.url, token: TOKEN })
    const prefix = `batch:${Date.now()}`
    await client.set(`${prefix}:k`, 'v')
    await client.hset(`${prefix}:h`, { f: '1' })
    const before = server.requests
    const replies = await Promise.allSettled([
      ...Array.from({ length: 98 }, () => client.get(`${prefix}:k`)),
      client.incr(`${prefix}:h`),
      client.hget(`${prefix}:h`, 'f'),
    ])
    expect(server.requests - before).toBe(1)
    expect(replies.slice(0, 98).every((r) => r.status === 'fulfilled' && r.value === 'v')).toBe(
      true,
    )
    expect(replies[98]).toMatchObject({ status: 'rejected', reason: { code: 'E_COMMAND' } })
    expect(replies[99]).toEqual({ status: 'fulfilled', value: '1' })
    expect(client.breaker).toBe('closed')
    await client.close()
  })

  it('counts the server’s 503 while Redis is down as a transport failure, so the breaker opens', async () => {
    const redis = await startRedis()
    const server = await startRestServer({ redis: redis.url, token: TOKEN, port: 0 })
    servers.push(server)
    const client = createUpstashRedis({ url: server.url, token: TOKEN, breakerThreshold: 3 })
    try {
      await client.set('k', 'v')
      process.kill(redis.pid, 'SIGKILL')
      await redis.stop()
      // Alone and batched: a single-command request and a /pipeline entry both say 503.
      const single = await client.get('k').catch((error: unknown) => error)
      expect(single).toMatchObject({ code: 'E_CONNECTION', message: 'ERR redis is unavailable' })
      const batched = await Promise.allSettled([client.get('k'), client.get('k')])
      expect(batched.map((r) => r.status === 'rejected' && r.reason.code)).toEqual([
        'E_CONNECTION',
        'E_CONNECTION',
      ])
      expect(client.breaker).toBe('open')
      expect(await client.get('k').catch((error: unknown) => error)).toMatchObject({
        code: 'E_CIRCUIT_OPEN',
      })
    } finally {
      await client.close()
      await redis.stop()
    }
  })
})
