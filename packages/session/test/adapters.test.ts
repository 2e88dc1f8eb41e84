import { randomUUID } from 'node:crypto'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { redisTargets } from '@hotpath/test-redis'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { honoSession } from '../src/hono'
import { type NextCookieJar, nextSession } from '../src/next'
import { createSessionStore } from '../src/store'

const redis = createTcpRedis(redisTargets().standalone.url)
const store = createSessionStore<{ userId: string; name: string }>({
  redis,
  prefix: `adapt-${randomUUID().slice(0, 8)}`,
  ttl: '2h',
})

afterAll(async () => {
  await redis.close()
})

describe('Hono adapter', () => {
  const sessions = honoSession(store)
  const app = new Hono()
  app.post('/login', async (c) => c.json(await sessions.create(c, { userId: 'u1', name: 'Ann' })))
  app.get('/me', async (c) => c.json((await sessions.get(c))?.data ?? null))
  app.post('/refresh', async (c) => c.json((await sessions.refresh(c)) !== null))
  app.post('/logout', async (c) => c.json(await sessions.destroy(c)))

  it('sets the session cookie on login and reads it back', async () => {
    const login = await app.request('/login', { method: 'POST' })
    const setCookie = login.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(
      /^hp_session=[A-Za-z0-9_.-]+; Max-Age=7200; Path=\/; HttpOnly; SameSite=Lax$/,
    )
    const cookie = setCookie.split(';')[0] ?? ''
    const me = await app.request('/me', { headers: { cookie } })
    expect(await me.json()).toEqual({ userId: 'u1', name: 'Ann' })

    const refreshed = await app.request('/refresh', { method: 'POST', headers: { cookie } })
    expect(await refreshed.json()).toBe(true)
    expect(refreshed.headers.get('set-cookie')).toContain('Max-Age=7200')

    const logout = await app.request('/logout', { method: 'POST', headers: { cookie } })
    expect(await logout.json()).toBe(true)
    expect(logout.headers.get('set-cookie')).toMatch(/^hp_session=; Max-Age=0/)
    expect(await (await app.request('/me', { headers: { cookie } })).json()).toBeNull()
  })

  it('answers null without a cookie', async () => {
    expect(await (await app.request('/me')).json()).toBeNull()
  })
})

describe('Next adapter', () => {
  /** Stands in for next/headers cookies(), which only exists inside a Next request. */
  function jar() {
    const values = new Map<string, { value: string; options?: unknown }>()
    const cookies: NextCookieJar = {
      get: (name) => values.get(name),
      set: (name, value, options) => values.set(name, { value, options }),
      delete: (name) => values.delete(name),
    }
    return { values, cookies: async () => cookies }
  }

  it('creates, reads, refreshes and destroys a session through cookies()', async () => {
    const { values, cookies } = jar()
    const sessions = nextSession(store, { cookies, name: 'sid' })
    const created = await sessions.create({ userId: 'u2', name: 'Bo' })
    const cookie = values.get('sid')
    expect(cookie?.options).toEqual({
      httpOnly: true,
      secure: false,
      sameSite: 'lax',
      path: '/',
      maxAge: 7200,
    })
    expect((await sessions.get())?.id).toBe(created.id)
    expect((await sessions.refresh())?.id).toBe(created.id)
    expect(await sessions.destroy()).toBe(true)
    expect(values.has('sid')).toBe(false)
    expect(await sessions.get()).toBeNull()
  })

  it('drops a cookie whose session is gone on refresh', async () => {
    const { values, cookies } = jar()
    values.set('hp_session', { value: 'stale' })
    expect(await nextSession(store, { cookies }).refresh()).toBeNull()
    expect(values.has('hp_session')).toBe(false)
  })
})
