import { randomUUID } from 'node:crypto'
import { session } from '@apps/db/schema'
import type { RedisClient } from '@hotpath/redis'
import { secondaryStorage } from '@hotpath/session/better-auth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../src/context.ts'
import type { Store } from '../src/db/store.ts'
import { signSessionToken } from '../src/identity.ts'
import {
  build,
  call,
  connect,
  createApiKeyUser,
  createUser,
  freshIp,
  openTestStore,
  SECRET,
} from './helpers.ts'

let store: Store
let redis: RedisClient
let close: () => Promise<void>
let app: App

beforeAll(async () => {
  store = await openTestStore()
  ;({ redis, close } = await connect('tcp'))
  app = build(redis, store)
})
afterAll(async () => {
  await close()
  await store.close()
})

/**
 * What Better Auth 1.7 does on sign-in with secondary storage (internal-adapter createSession):
 * the session and user as JSON under the bare token, through the storage adapter the web app
 * configures. Returns the token.
 */
async function signIn(
  user: { id: string; name: string; email: string; tier: string },
  createdAt = new Date(),
) {
  const token = randomUUID().replaceAll('-', '')
  const expiresAt = new Date(Date.now() + 7 * 86_400_000)
  const storage = secondaryStorage({ redis })
  await storage?.set(
    token,
    JSON.stringify({
      session: {
        id: `s-${token.slice(0, 6)}`,
        token,
        userId: user.id,
        expiresAt,
        createdAt,
        updatedAt: createdAt,
      },
      user: { ...user, emailVerified: false, createdAt, updatedAt: createdAt },
    }),
    7 * 86_400,
  )
  return token
}

const cookie = (token: string, secret = SECRET) =>
  `better-auth.session_token=${encodeURIComponent(signSessionToken(token, secret))}`

describe('GET /me', () => {
  it('names the user of a Better Auth session cookie found in Redis', async () => {
    const user = await createUser(store, { tier: 'pro' })
    const token = await signIn(user)
    const res = await call(app, '/me', { headers: { cookie: cookie(token) }, ip: freshIp() })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      kind: 'user',
      userId: user.id,
      email: user.email,
      tier: 'pro',
      source: 'redis',
    })
  })

  it('takes the session token as Authorization: Bearer, as Better Auth’s bearer plugin does', async () => {
    const user = await createUser(store)
    const token = await signIn(user)
    const res = await call(app, '/me', {
      headers: { authorization: `Bearer ${token}` },
      ip: freshIp(),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ kind: 'user', userId: user.id })
  })

  it('ignores a cookie signed with another secret', async () => {
    const token = await signIn(await createUser(store))
    const res = await call(app, '/me', {
      headers: { cookie: cookie(token, 'not-the-secret') },
      ip: freshIp(),
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/json/)
    expect(await res.json()).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } })
  })

  it('refuses a session created before the user signed out everywhere', async () => {
    const user = await createUser(store)
    const token = await signIn(user, new Date(Date.now() - 60_000))
    await secondaryStorage({ redis })?.set(
      `revoked-sessions-before-${user.id}`,
      String(Date.now()),
      3600,
    )
    const res = await call(app, '/me', { headers: { cookie: cookie(token) }, ip: freshIp() })
    expect(res.status).toBe(401)
  })

  it('falls back to the session row in Postgres when Redis lost the session', async () => {
    const user = await createUser(store)
    const token = randomUUID()
    await store.db.insert(session).values({
      id: `s-${token.slice(0, 6)}`,
      token,
      userId: user.id,
      expiresAt: new Date(Date.now() + 3_600_000),
    })
    const res = await call(app, '/me', { headers: { cookie: cookie(token) }, ip: freshIp() })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ kind: 'user', userId: user.id, source: 'database' })
  })

  it('names the owner of an API key', async () => {
    const owner = await createApiKeyUser(store, 'pro')
    const res = await call(app, '/me', { headers: { 'x-api-key': owner.key }, ip: freshIp() })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ kind: 'apiKey', userId: owner.id, tier: 'pro' })
  })

  it('refuses an unknown API key with code E_API_KEY_INVALID', async () => {
    const res = await call(app, '/me', { headers: { 'x-api-key': 'hp_nope' }, ip: freshIp() })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      error: { code: 'E_API_KEY_INVALID', message: 'The x-api-key header names no API key' },
    })
  })

  it('without credentials is a 401 with code E_UNAUTHORIZED', async () => {
    const res = await call(app, '/me', { ip: freshIp() })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } })
  })
})

describe('POST /api-keys', () => {
  it('mints a key that works at once and stops the previous one working', async () => {
    const user = await createUser(store)
    const token = await signIn(user)
    const ip = freshIp()
    const first = await call(app, '/api-keys', {
      method: 'POST',
      headers: { cookie: cookie(token) },
      ip,
    })
    expect(first.status).toBe(201)
    const { key: oldKey } = (await first.json()) as { key: string }
    // cache the old key's owner, then rotate
    expect((await call(app, '/me', { headers: { 'x-api-key': oldKey }, ip })).status).toBe(200)
    const second = await call(app, '/api-keys', {
      method: 'POST',
      headers: { cookie: cookie(token) },
      ip,
    })
    const { key: newKey } = (await second.json()) as { key: string }
    expect(newKey).not.toBe(oldKey)
    expect(
      (await call(app, '/me', { headers: { 'x-api-key': newKey }, ip: freshIp() })).status,
    ).toBe(200)
    expect(
      (await call(app, '/me', { headers: { 'x-api-key': oldKey }, ip: freshIp() })).status,
    ).toBe(401)
  })

  it('refuses a caller without a session', async () => {
    const owner = await createApiKeyUser(store)
    const res = await call(app, '/api-keys', {
      method: 'POST',
      headers: { 'x-api-key': owner.key },
      ip: freshIp(),
    })
    expect(res.status).toBe(401)
  })
})
