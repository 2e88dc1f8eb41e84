import type { RedisClient } from '@hotpath/redis'
import { awayFromWindowEdge } from '@hotpath/test-redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { App } from '../src/context.ts'
import type { Store } from '../src/db/store.ts'
import {
  build,
  call,
  connect,
  createApiKeyUser,
  freshIp,
  openTestStore,
  testConfig,
} from './helpers.ts'

let store: Store
let redis: RedisClient
let close: () => Promise<void>
let app: App

const base = testConfig()
const config = testConfig({
  limits: {
    anonymous: { limit: 3, window: '1 m' },
    user: { limit: 5, window: '1 m' },
    apiKeyByTier: { free: { limit: 4, window: '1 m' }, pro: { limit: 8, window: '1 m' } },
    auth: { limit: 2, window: '1 m' },
    timeoutMs: base.limits.timeoutMs,
  },
})

beforeAll(async () => {
  store = await openTestStore()
  ;({ redis, close } = await connect('tcp'))
  app = build(redis, store, config)
})
// Every limit here is a one-minute window on the real clock: keep each test inside one window.
beforeEach(() => awayFromWindowEdge(60_000))
afterAll(async () => {
  await close()
  await store.close()
})

async function exhaust(path: string, init: Parameters<typeof call>[2], times: number) {
  const statuses: number[] = []
  let last: Response | undefined
  for (let i = 0; i < times; i++) {
    last = await call(app, path, init)
    statuses.push(last.status)
  }
  return { statuses, last: last as Response }
}

describe('rate limits', () => {
  it('answer 429 with a JSON body and the rate-limit headers once an IP used its quota', async () => {
    const ip = freshIp()
    const { statuses, last } = await exhaust('/products/p-kettle', { ip }, 4)
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(last.headers.get('x-ratelimit-limit')).toBe('3')
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(last.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    expect(last.headers.get('ratelimit-policy')).toBe('"api";q=3;w=60')
    const body = (await last.json()) as { error: { code: string; details: { limit: number } } }
    expect(body.error.code).toBe('E_RATE_LIMITED')
    expect(body.error.details.limit).toBe(3)
  })

  it('never count /health, so a probe sees the service and not its own quota', async () => {
    const ip = freshIp()
    const { statuses, last } = await exhaust('/health', { ip }, 5)
    expect(statuses).toEqual([200, 200, 200, 200, 200])
    expect(last.headers.get('x-ratelimit-limit')).toBeNull()
    // …and does not spend the caller's quota either.
    expect(
      (await call(app, '/products/p-kettle', { ip })).headers.get('x-ratelimit-remaining'),
    ).toBe('2')
  })

  it('set the rate-limit headers on admitted responses too', async () => {
    const res = await call(app, '/products/p-kettle', { ip: freshIp() })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ratelimit-limit')).toBe('3')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('2')
    expect(res.headers.get('ratelimit')).toMatch(/^"api";r=2;t=\d+$/)
  })

  it('do not give a fresh quota to a forged X-Forwarded-For', async () => {
    const ip = freshIp()
    await exhaust('/products/p-kettle', { ip }, 3)
    const forged = await call(app, '/products/p-kettle', {
      ip,
      headers: { 'x-forwarded-for': freshIp() },
    })
    expect(forged.status).toBe(429)
  })

  it('count the client behind a trusted proxy by its forwarded address', async () => {
    const proxied = build(redis, store, { ...config, trustedProxies: ['192.0.2.1'] })
    const client = freshIp()
    const init = { ip: '192.0.2.1', headers: { 'x-forwarded-for': `6.6.6.6, ${client}` } }
    const statuses: number[] = []
    for (let i = 0; i < 4; i++)
      statuses.push((await call(proxied, '/products/p-kettle', init)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    // another client behind the same proxy has its own quota
    const other = await call(proxied, '/products/p-kettle', {
      ip: '192.0.2.1',
      headers: { 'x-forwarded-for': freshIp() },
    })
    expect(other.status).toBe(200)
  })

  it('give an API key the limit of its owner’s tier, whatever the address', async () => {
    const free = await createApiKeyUser(store, 'free')
    const pro = await createApiKeyUser(store, 'pro')
    const freeRun = []
    for (let i = 0; i < 5; i++) {
      freeRun.push(
        (await call(app, '/products', { headers: { 'x-api-key': free.key }, ip: freshIp() }))
          .status,
      )
    }
    expect(freeRun).toEqual([200, 200, 200, 200, 429])
    const proRes = await call(app, '/products', {
      headers: { 'x-api-key': pro.key },
      ip: freshIp(),
    })
    expect(proRes.headers.get('x-ratelimit-limit')).toBe('8')
  })

  it('are stricter on auth-like routes than on the rest', async () => {
    const owner = await createApiKeyUser(store, 'pro')
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 3; i++) {
      last = await call(app, '/me', { headers: { 'x-api-key': owner.key }, ip: freshIp() })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(last?.headers.get('ratelimit-policy')).toBe('"auth";q=2;w=60')
    expect(await last?.json()).toMatchObject({ error: { code: 'E_RATE_LIMITED' } })
  })

  it('count guesses of API keys against the guessing address', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await call(app, '/products', { headers: { 'x-api-key': `hp_guess_${i}` }, ip })).status,
      )
    }
    expect(statuses).toEqual([401, 401, 401, 429])
  })

  it('use the configured defaults when nothing is set', () => {
    expect(base.limits.anonymous.limit).toBe(60)
    expect(base.limits.auth.limit).toBeLessThan(base.limits.anonymous.limit)
  })
})
