import { randomUUID } from 'node:crypto'
import { user } from '@apps/db/schema'
import type { RedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { redisTargets } from '@hotpath/test-redis'
import { createApp } from '../src/app.ts'
import { type ApiConfig, loadConfig } from '../src/config.ts'
import type { App } from '../src/context.ts'
import { openStore, type Store } from '../src/db/store.ts'

export const SECRET = 'test-secret-0123456789-0123456789'

/** The config of a test: embedded defaults, a known auth secret, overrides on top. */
export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  // Generous timeouts: the test machine is shared, and a slow answer must not turn into a
  // fail-open that a test would read as a missing limit.
  return {
    ...loadConfig({ BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_TIMEOUT_MS: '10000' }),
    ...overrides,
  }
}

/** Client options for tests: see testConfig. */
export const clientOptions = { timeoutMs: 10_000 }

/** An in-memory PGlite with the web app's migrations and the demo products. */
export function openTestStore(): Promise<Store> {
  return openStore({ dataDir: 'memory://' })
}

export type Driver = 'tcp' | 'upstash'

/** A client on the harness's standalone Redis: directly over TCP, or through @hotpath/redis-rest. */
export async function connect(
  driver: Driver,
): Promise<{ redis: RedisClient; close(): Promise<void> }> {
  const { url } = redisTargets().standalone
  if (driver === 'tcp') {
    const redis = createTcpRedis({ url, ...clientOptions })
    return { redis, close: () => redis.close() }
  }
  const token = randomUUID()
  const server = await startRestServer({ redis: url, token, port: 0 })
  const redis = createUpstashRedis({ url: server.url, token, ...clientOptions })
  return {
    redis,
    async close() {
      await redis.close()
      await server.close()
    },
  }
}

let ipCounter = 0
/** A fresh client address per call, so tests do not share a rate-limit bucket. */
export function freshIp(): string {
  ipCounter++
  return `10.${(process.pid >> 8) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`
}

/** `app.request()` from a given socket address (what @hono/node-server puts in `c.env`). */
export function call(
  app: App,
  path: string,
  init: RequestInit & { ip?: string; json?: unknown } = {},
): Promise<Response> {
  const { ip = '127.0.0.1', json, ...rest } = init
  const headers = new Headers(rest.headers)
  if (json !== undefined) headers.set('content-type', 'application/json')
  return Promise.resolve(
    app.request(
      path,
      { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) },
      { incoming: { socket: { remoteAddress: ip } } },
    ),
  )
}

export async function createUser(
  store: Store,
  fields: { tier?: string; name?: string } = {},
): Promise<{ id: string; name: string; email: string; tier: string }> {
  const id = `u-${randomUUID().slice(0, 8)}`
  const row = {
    id,
    name: fields.name ?? `User ${id}`,
    email: `${id}@example.test`,
    tier: fields.tier ?? 'free',
  }
  await store.db.insert(user).values(row)
  return row
}

/** A user with an API key, as the web app's key page makes them. */
export async function createApiKeyUser(store: Store, tier = 'free') {
  const owner = await createUser(store, { tier })
  const key = `hp_${randomUUID()}`
  await store.setApiKey(owner.id, key)
  return { ...owner, key }
}

export function build(redis: RedisClient | null, store: Store, config = testConfig()): App {
  return createApp({ redis, store, config })
}
