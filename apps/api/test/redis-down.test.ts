import type { ManagedRedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { startRedis } from '@hotpath/test-redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../src/context.ts'
import type { Store } from '../src/db/store.ts'
import { build, call, createApiKeyUser, freshIp, openTestStore, testConfig } from './helpers.ts'

type Server = Awaited<ReturnType<typeof startRedis>>

let store: Store
let server: Server
let redis: ManagedRedisClient
let app: App
let key: string

beforeAll(async () => {
  store = await openTestStore()
  server = await startRedis()
  redis = createTcpRedis({ url: server.url, timeoutMs: 300, retries: 0, breakerThreshold: 3 })
  const limits = testConfig().limits
  app = build(
    redis,
    store,
    testConfig({ limits: { ...limits, anonymous: { limit: 2, window: '1 m' }, timeoutMs: 500 } }),
  )
  key = (await createApiKeyUser(store)).key
  // warm the cache while Redis is up
  expect((await call(app, '/products/p-scale', { ip: freshIp() })).status).toBe(200)
  await server.stop()
})
afterAll(async () => {
  await redis.close()
  await server.stop()
  await store.close()
})

describe('with Redis down', () => {
  it('GET /products/:id still answers, from the database', async () => {
    const res = await call(app, '/products/p-scale', { ip: freshIp() })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-cache')).toBe('MISS')
    expect(await res.json()).toMatchObject({ id: 'p-scale' })
  })

  it('GET /health answers 200 with Redis red and the breaker state', async () => {
    const res = await call(app, '/health', { ip: freshIp() })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      status: string
      redis: { status: string; driver: string; breaker: string; error?: string }
      database: { status: string }
    }
    expect(body.status).toBe('degraded')
    expect(body.redis).toMatchObject({ status: 'red', driver: 'tcp' })
    expect(['open', 'half-open', 'closed']).toContain(body.redis.breaker)
    expect(body.redis.error).toBeTruthy()
    expect(body.database.status).not.toBe('red')
  })

  it('the general limiter fails open: requests beyond any quota still pass', async () => {
    const statuses: number[] = []
    const ip = freshIp()
    for (let i = 0; i < 5; i++) statuses.push((await call(app, '/products?limit=2', { ip })).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200])
  })

  it('the auth-like routes fail closed with 503 E_REDIS_UNAVAILABLE', async () => {
    const res = await call(app, '/me', { headers: { 'x-api-key': key }, ip: freshIp() })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: { code: 'E_REDIS_UNAVAILABLE' } })
  })

  it('PATCH /products/:id writes the database and says the invalidation failed', async () => {
    const res = await call(app, '/products/p-filter', {
      method: 'PATCH',
      headers: { 'x-api-key': key },
      json: { priceCents: 777 },
      ip: freshIp(),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-cache-invalidation')).toBe('failed')
    expect((await store.getProduct('p-filter'))?.priceCents).toBe(777)
  })

  it('Redis-only routes answer 503 E_REDIS_UNAVAILABLE instead of hanging', async () => {
    const started = Date.now()
    const job = await call(app, '/jobs', { method: 'POST', json: { type: 'echo' }, ip: freshIp() })
    expect(job.status).toBe(503)
    expect(await job.json()).toMatchObject({ error: { code: 'E_REDIS_UNAVAILABLE' } })
    const board = await call(app, '/leaderboard', { ip: freshIp() })
    expect(board.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
