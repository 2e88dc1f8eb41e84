import { randomUUID } from 'node:crypto'
import type { RedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { startRedis } from '@hotpath/test-redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secondaryStorage, sessionWriteBack } from '../src/better-auth'
import { type AuthApp, createAuthApp } from './fixtures/better-auth-app'
import { type OpenTarget, targets } from './targets'

type SessionReply = { session: { token: string; userId: string }; user: { email: string } } | null
type ListedSession = { token: string }

const email = () => `u-${randomUUID()}@example.com`
const password = 'correct horse battery staple'

async function signUp(app: AuthApp, address = email()) {
  const browser = app.browser()
  const response = await browser.request('POST', '/sign-up/email', {
    email: address,
    password,
    name: 'Test User',
  })
  expect(response.status).toBe(200)
  return { browser, email: address }
}

async function signIn(app: AuthApp, address: string) {
  const browser = app.browser()
  const response = await browser.request('POST', '/sign-in/email', { email: address, password })
  expect(response.status).toBe(200)
  return browser
}

async function sessionOf(browser: ReturnType<AuthApp['browser']>) {
  return (await browser.request('GET', '/get-session')).json as SessionReply
}

/** The flows every configuration must support, whatever holds the sessions. */
function describeFlows(setup: () => AuthApp) {
  it('signs up and reads the session back', async () => {
    const app = setup()
    const { browser, email: address } = await signUp(app)
    expect((await sessionOf(browser))?.user.email).toBe(address)
  })

  it('lists the sessions of a user signed in twice and revokes one of them', async () => {
    const app = setup()
    const { browser: first, email: address } = await signUp(app)
    const second = await signIn(app, address)
    const listed = (await first.request('GET', '/list-sessions')).json as ListedSession[]
    expect(listed).toHaveLength(2)

    const secondToken = (await sessionOf(second))?.session.token
    expect(listed.map((s) => s.token)).toContain(secondToken)
    const revoked = await first.request('POST', '/revoke-session', { token: secondToken })
    expect(revoked.status).toBe(200)

    expect(await sessionOf(second)).toBeNull()
    expect((await sessionOf(first))?.user.email).toBe(address)
    expect((await first.request('GET', '/list-sessions')).json).toHaveLength(1)
  })

  it('revokes every session of a user', async () => {
    const app = setup()
    const { browser: first, email: address } = await signUp(app)
    const second = await signIn(app, address)
    const third = await signIn(app, address)
    expect((await first.request('POST', '/revoke-sessions')).status).toBe(200)
    for (const browser of [first, second, third]) expect(await sessionOf(browser)).toBeNull()
  })

  it('answers 429 once a client exceeds the sign-in rate limit', async () => {
    const app = setup()
    const { email: address } = await signUp(app)
    const attacker = app.browser()
    const statuses: number[] = []
    // Better Auth's built-in rule for /sign-in: 3 requests per 10 seconds per IP.
    for (let i = 0; i < 5; i++) {
      const response = await attacker.request('POST', '/sign-in/email', {
        email: address,
        password: 'wrong password',
      })
      statuses.push(response.status)
    }
    expect(statuses.slice(0, 3)).not.toContain(429)
    expect(statuses.slice(3)).toEqual([429, 429])
  })

  it('accepts a password-reset token once', async () => {
    const app = setup()
    const { email: address } = await signUp(app)
    const browser = app.browser()
    const requested = await browser.request('POST', '/request-password-reset', {
      email: address,
      redirectTo: '/reset',
    })
    expect(requested.status).toBe(200)
    const token = app.resetTokens.at(-1)
    expect(token).toBeTruthy()

    const body = { token, newPassword: 'another long password' }
    expect((await browser.request('POST', '/reset-password', body)).status).toBe(200)
    expect((await browser.request('POST', '/reset-password', body)).status).toBe(400)
  })
}

describe.each(targets)('Better Auth with Redis ($name) as secondary storage', (target) => {
  const prefix = `ba-${randomUUID().slice(0, 8)}`
  let open: OpenTarget
  let redis: RedisClient
  let app: AuthApp
  beforeAll(async () => {
    open = await target.open()
    redis = open.redis
    app = await createAuthApp({ storage: secondaryStorage({ redis, prefix }) })
  })
  afterAll(async () => {
    await app.close()
    await open.close()
  })

  describeFlows(() => app)

  it('keeps sessions and verification values in Redis, not in Postgres', async () => {
    const { browser } = await signUp(app)
    const token = (await sessionOf(browser))?.session.token ?? ''
    await browser.request('POST', '/request-password-reset', { email: 'nobody@example.com' })
    const { email: address } = await signUp(app)
    await app.browser().request('POST', '/request-password-reset', { email: address })

    expect(await app.count('session')).toBe(0)
    expect(await app.count('verification')).toBe(0)
    const keys: string[] = []
    for await (const batch of redis.scan({ match: `${prefix}*` })) keys.push(...batch)
    expect(keys.some((key) => key.includes(token))).toBe(true)
    expect(keys.some((key) => key.includes('verification'))).toBe(true)
    // Better Auth's rate limiter counted this IP's sign-ups in Redis, through increment().
    expect(keys.some((key) => key.includes('|/sign-up/email'))).toBe(true)
  })
})

describe('Better Auth without Redis (createRedis() resolved to null)', () => {
  let app: AuthApp
  beforeAll(async () => {
    const storage = secondaryStorage({ redis: null, prefix: 'unused' })
    expect(storage).toBeUndefined()
    app = await createAuthApp({ storage })
  })
  afterAll(async () => {
    await app.close()
  })

  describeFlows(() => app)

  it('keeps sessions in Postgres', async () => {
    const before = await app.count('session')
    await signUp(app)
    expect(await app.count('session')).toBe(before + 1)
  })
})

describe('Better Auth with storeSessionInDatabase when Redis is flushed mid-way', () => {
  let server: Awaited<ReturnType<typeof startRedis>>
  let redis: ReturnType<typeof createTcpRedis>
  let app: AuthApp
  beforeAll(async () => {
    server = await startRedis()
    redis = createTcpRedis(server.url)
    app = await createAuthApp({
      storage: secondaryStorage({ redis, prefix: 'durable' }),
      storeSessionInDatabase: true,
      plugins: [sessionWriteBack()],
    })
  })
  afterAll(async () => {
    await app.close()
    await redis.close()
    await server.stop()
  })

  describeFlows(() => app)

  it('keeps users signed in after FLUSHALL, reading their sessions from Postgres', async () => {
    const users = [await signUp(app), await signUp(app), await signUp(app)]
    const second = await signIn(app, users[0]?.email ?? '')
    expect(await app.count('session')).toBeGreaterThanOrEqual(4)

    expect(await redis.call(['FLUSHALL'])).toBe('OK')
    expect(await redis.call(['DBSIZE'])).toBe(0)

    for (const { browser, email: address } of users) {
      expect((await sessionOf(browser))?.user.email).toBe(address)
    }
    const first = users[0]?.browser
    const listed = (await first?.request('GET', '/list-sessions'))?.json as ListedSession[]
    expect(listed).toHaveLength(2)

    // Revocation still works for sessions that only Postgres knows about.
    const secondToken = (await sessionOf(second))?.session.token
    await first?.request('POST', '/revoke-session', { token: secondToken })
    expect(await sessionOf(second)).toBeNull()
  })

  const redisKeys = async () => {
    const keys: string[] = []
    for await (const batch of redis.scan({ match: 'durable*' })) keys.push(...batch)
    return keys
  }

  it('writes a session read from Postgres back to Redis, once, and still revokes it', async () => {
    const { browser, email: address } = await signUp(app)
    const token = (await sessionOf(browser))?.session.token ?? ''
    await redis.call(['FLUSHALL'])

    expect((await sessionOf(browser))?.user.email).toBe(address)
    const restored = (await redisKeys()).filter((key) => key.includes(token))
    expect(restored).toHaveLength(1)
    const ttl = await redis.ttl(restored[0] ?? '')
    expect(ttl).toBeGreaterThan(7 * 86_400 - 60)
    expect(ttl).toBeLessThanOrEqual(7 * 86_400)

    const cached = JSON.parse((await redis.get(restored[0] ?? '')) ?? 'null') as SessionReply
    expect(cached?.session.token).toBe(token)
    // Served from Redis now: proven by removing the row behind Better Auth's back…
    await app.pg.query('delete from session where token = $1', [token])
    expect((await sessionOf(browser))?.user.email).toBe(address)

    // …and a revoke through Better Auth removes both copies.
    expect((await browser.request('POST', '/revoke-session', { token })).status).toBe(200)
    expect(await sessionOf(browser)).toBeNull()
    expect(
      (await redisKeys()).filter((key) => key.includes(token) && !key.includes('deleted')),
    ).toEqual([])
  })

  it('stores new sessions in Redis again once it is back', async () => {
    await redis.call(['FLUSHALL'])
    const { browser } = await signUp(app)
    const token = (await sessionOf(browser))?.session.token ?? ''
    expect((await redisKeys()).some((key) => key.includes(token))).toBe(true)
  })
})

describe('Better Auth 1.7 alone, with storeSessionInDatabase, after a flush', () => {
  let server: Awaited<ReturnType<typeof startRedis>>
  let redis: ReturnType<typeof createTcpRedis>
  let app: AuthApp
  beforeAll(async () => {
    server = await startRedis()
    redis = createTcpRedis(server.url)
    app = await createAuthApp({
      storage: secondaryStorage({ redis, prefix: 'plain' }),
      storeSessionInDatabase: true,
    })
  })
  afterAll(async () => {
    await app.close()
    await redis.close()
    await server.stop()
  })

  it('serves the session from Postgres but never writes it back to Redis', async () => {
    const { browser, email: address } = await signUp(app)
    const token = (await sessionOf(browser))?.session.token ?? ''
    await redis.call(['FLUSHALL'])
    for (let i = 0; i < 2; i++) expect((await sessionOf(browser))?.user.email).toBe(address)
    const keys: string[] = []
    for await (const batch of redis.scan({ match: 'plain*' })) keys.push(...batch)
    expect(keys.filter((key) => key.includes(token))).toEqual([])
  })
})
