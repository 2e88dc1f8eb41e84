import { randomUUID } from 'node:crypto'
import { countRoundTrips } from '@hotpath/redis/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionError } from '../src/errors'
import { createSessionStore, type SessionStoreOptions } from '../src/store'
import { memoryTarget, type OpenTarget, targets } from './targets'

type Profile = { userId: string; role: string; since?: Date; theme?: string; n?: number }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(targets)('session store on $name', (target) => {
  let open: OpenTarget
  const prefix = `sess-${randomUUID().slice(0, 8)}`
  const store = (options: Partial<SessionStoreOptions> = {}) =>
    createSessionStore<Profile>({ redis: open.redis, prefix, ...options })
  const user = () => `user-${randomUUID()}`

  beforeAll(async () => {
    open = await target.open()
  })
  afterAll(async () => {
    await open.close()
  })

  /** Every string Redis holds under this test's prefix: key names, values, members, fields. */
  async function dump(): Promise<string> {
    const parts: string[] = []
    const seen = new Set<string>()
    for await (const batch of open.redis.scan({ match: `${prefix}*` })) {
      for (const key of batch) {
        if (seen.has(key)) continue
        seen.add(key)
        parts.push(key)
        const type = await open.redis.call(['TYPE', key])
        if (type === 'hash') parts.push(...Object.entries(await open.redis.hgetall(key)).flat())
        else if (type === 'zset') parts.push(...(await open.redis.zrange(key, 0, -1)))
        else if (type === 'string') parts.push((await open.redis.get(key)) ?? '')
      }
    }
    return parts.join('\n')
  }

  it('creates a session and reads it back with its data intact', async () => {
    const sessions = store()
    const since = new Date('2024-01-02T03:04:05.006Z')
    const userId = user()
    const { token, session } = await sessions.create({ userId, role: 'admin', since })
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{16}$/)
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(7 * 86_400_000)

    const read = await sessions.get(token)
    expect(read?.userId).toBe(userId)
    expect(read?.id).toBe(session.id)
    expect(read?.data.role).toBe('admin')
    expect(read?.data.since).toBeInstanceOf(Date)
    expect(read?.data.since?.getTime()).toBe(since.getTime())
  })

  it('returns null for unknown, malformed and missing tokens', async () => {
    const sessions = store()
    const { token } = await sessions.create({ userId: user(), role: 'a' })
    const forged = `${'A'.repeat(43)}${token.slice(43)}`
    for (const bad of [forged, 'nope', '', null, undefined, `${token}x`, token.replace('.', '-')]) {
      expect(await sessions.get(bad)).toBeNull()
    }
  })

  it('rejects create() without a userId with E_SESSION_USER_ID_MISSING', async () => {
    const sessions = store()
    const error = await sessions.create({ userId: '', role: 'a' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SessionError)
    expect((error as SessionError).code).toBe('E_SESSION_USER_ID_MISSING')
  })

  it('never writes the raw token, or its secret half, to Redis', async () => {
    const sessions = store()
    const userId = user()
    const tokens = []
    for (let i = 0; i < 5; i++) tokens.push((await sessions.create({ userId, role: 'r' })).token)
    await sessions.get(tokens[0])
    await sessions.update(tokens[1], { theme: 'dark' })
    await sessions.touch(tokens[2])
    const everything = await dump()
    expect(everything.length).toBeGreaterThan(0)
    for (const token of tokens) {
      expect(everything).not.toContain(token)
      expect(everything).not.toContain(token.slice(0, 43))
    }
  })

  it('expires a session after its ttl', async () => {
    const sessions = store({ ttl: '400ms', rolling: false })
    const { token } = await sessions.create({ userId: user(), role: 'r' })
    expect(await sessions.get(token)).not.toBeNull()
    await sleep(550)
    expect(await sessions.get(token)).toBeNull()
  })

  it('extends a rolling session on every read, so a used session outlives its ttl', async () => {
    const sessions = store({ ttl: '600ms', rolling: true })
    const { token, session } = await sessions.create({ userId: user(), role: 'r' })
    for (let i = 0; i < 4; i++) {
      await sleep(300)
      const read = await sessions.get(token)
      expect(read).not.toBeNull()
      expect(read?.expiresAt.getTime()).toBeGreaterThan(session.expiresAt.getTime())
    }
    // 1.2 s after creation, twice the ttl; left alone it now expires.
    await sleep(750)
    expect(await sessions.get(token)).toBeNull()
  })

  it('a rolling read extends only once updateAge has passed since the last extension, writing nothing before', async () => {
    const sessions = store({ ttl: '2s', rolling: true, updateAge: '400ms' })
    const { token, session } = await sessions.create({ userId: user(), role: 'r' })
    // Within updateAge: the stored expiry is what it was.
    const early = await sessions.get(token)
    expect(early?.expiresAt.getTime()).toBe(session.expiresAt.getTime())
    await sleep(500)
    const late = await sessions.get(token)
    expect(late?.expiresAt.getTime()).toBeGreaterThan(session.expiresAt.getTime() + 400)
    // And once extended, the next read within updateAge leaves it again.
    const again = await sessions.get(token)
    expect(again?.expiresAt.getTime()).toBe(late?.expiresAt.getTime())
  })

  it('updateAge 0 extends on every read; updateAge above ttl is E_OPTION_INVALID', async () => {
    const sessions = store({ ttl: '2s', rolling: true, updateAge: 0 })
    const { token, session } = await sessions.create({ userId: user(), role: 'r' })
    await sleep(20)
    const read = await sessions.get(token)
    expect(read?.expiresAt.getTime()).toBeGreaterThan(session.expiresAt.getTime())
    expect(() => store({ ttl: '1m', updateAge: '2m' })).toThrow(
      expect.objectContaining({ code: 'E_OPTION_INVALID' }),
    )
  })

  it('touch() extends a non-rolling session and its Redis TTL', async () => {
    const sessions = store({ ttl: '600ms', rolling: false })
    const { token, session } = await sessions.create({ userId: user(), role: 'r' })
    await sleep(400)
    const touched = await sessions.touch(token)
    expect(touched?.expiresAt.getTime()).toBeGreaterThanOrEqual(session.expiresAt.getTime() + 300)
    await sleep(400)
    expect(await sessions.get(token)).not.toBeNull()
    await sleep(400)
    expect(await sessions.get(token)).toBeNull()
  })

  it('update() patches atomically: concurrent patches of different properties all land', async () => {
    const sessions = store()
    const userId = user()
    const since = new Date(0)
    const { token } = await sessions.create({ userId, role: 'r' })
    await Promise.all([
      sessions.update(token, { role: 'admin' }),
      sessions.update(token, { theme: 'dark' }),
      sessions.update(token, { n: 7 }),
      sessions.update(token, { since }),
    ])
    expect((await sessions.get(token))?.data).toEqual({
      userId,
      role: 'admin',
      theme: 'dark',
      n: 7,
      since,
    })
    const patched = await sessions.update(token, { theme: undefined, n: 8 })
    expect(patched?.data).toEqual({ userId, role: 'admin', n: 8, since })
  })

  it('update() refuses to move a session to another user', async () => {
    const sessions = store()
    const { token } = await sessions.create({ userId: user(), role: 'r' })
    const error = await sessions.update(token, { userId: 'someone-else' }).catch((e: unknown) => e)
    expect((error as SessionError).code).toBe('E_SESSION_USER_ID_IMMUTABLE')
  })

  it('update(), touch() and destroy() of a missing session answer null / false', async () => {
    const sessions = store()
    const { token } = await sessions.create({ userId: user(), role: 'r' })
    expect(await sessions.destroy(token)).toBe(true)
    expect(await sessions.destroy(token)).toBe(false)
    expect(await sessions.update(token, { theme: 'x' })).toBeNull()
    expect(await sessions.touch(token)).toBeNull()
    expect(await sessions.get(token)).toBeNull()
  })

  it('lists the live sessions of a user and nobody else', async () => {
    const sessions = store()
    const alice = user()
    const created = []
    for (let i = 0; i < 3; i++) created.push(await sessions.create({ userId: alice, role: `${i}` }))
    await sessions.create({ userId: user(), role: 'other' })
    const listed = await sessions.listForUser(alice)
    expect(listed.map((s) => s.id).sort()).toEqual(created.map((c) => c.session.id).sort())
    expect(listed.every((s) => s.userId === alice)).toBe(true)

    const [first] = created
    expect(await sessions.destroyById(alice, first?.session.id ?? '')).toBe(true)
    expect(await sessions.get(first?.token)).toBeNull()
    expect(await sessions.listForUser(alice)).toHaveLength(2)
  })

  it('prunes expired sessions from the per-user index', async () => {
    const short = store({ ttl: '300ms', rolling: false })
    const long = store({ ttl: '1h' })
    const userId = user()
    for (let i = 0; i < 3; i++) await short.create({ userId, role: 'short' })
    const kept = await long.create({ userId, role: 'long' })
    await sleep(450)
    const listed = await long.listForUser(userId)
    expect(listed.map((s) => s.id)).toEqual([kept.session.id])

    let members = 0
    for await (const batch of open.redis.scan({ match: `${prefix}*session-index*` })) {
      for (const key of batch) {
        const ids = await open.redis.zrange(key, 0, -1)
        if (ids.includes(kept.session.id)) members = ids.length
      }
    }
    expect(members).toBe(1)
  })

  it('destroyAllForUser() ends every session while other requests keep creating them', async () => {
    const sessions = store()
    const userId = user()
    const before = await Promise.all(
      Array.from({ length: 20 }, () => sessions.create({ userId, role: 'before' })),
    )
    // Creates racing with the destroy: each lands before or after it, never half-way.
    const racing = Array.from({ length: 40 }, (_, i) =>
      sleep(i % 10).then(() => sessions.create({ userId, role: 'racing' })),
    )
    const destroyed = sessions.destroyAllForUser(userId)
    const [raced, count] = await Promise.all([Promise.all(racing), destroyed])
    expect(count).toBeGreaterThanOrEqual(20)

    for (const { token } of before) expect(await sessions.get(token)).toBeNull()
    // Whatever survived was created after the destroy and is listed: no orphans, no ghosts.
    const listed = new Set((await sessions.listForUser(userId)).map((s) => s.id))
    for (const { token, session } of raced) {
      const alive = (await sessions.get(token)) !== null
      expect(alive).toBe(listed.has(session.id))
    }

    // With no more creates running, one call leaves nothing.
    await sessions.destroyAllForUser(userId)
    expect(await sessions.listForUser(userId)).toEqual([])
    for (const { token } of raced) expect(await sessions.get(token)).toBeNull()
  })

  it('destroyAllForUser() also ends a session the index lost track of, by the user epoch', async () => {
    // Not rolling: a rolling read would put the session back into the index.
    const sessions = store({ rolling: false })
    const userId = user()
    const { token, session } = await sessions.create({ userId, role: 'r' })
    let removed = 0
    for await (const batch of open.redis.scan({ match: `${prefix}*session-index*` })) {
      for (const key of batch) removed += await open.redis.zrem(key, session.id)
    }
    expect(removed).toBe(1)
    expect(await sessions.get(token)).not.toBeNull()
    expect(await sessions.destroyAllForUser(userId)).toBe(0)
    expect(await sessions.get(token)).toBeNull()
  })

  it('keeps sessions created after destroyAllForUser()', async () => {
    const sessions = store()
    const userId = user()
    await sessions.create({ userId, role: 'old' })
    await sessions.destroyAllForUser(userId)
    const fresh = await sessions.create({ userId, role: 'new' })
    expect((await sessions.get(fresh.token))?.data.role).toBe('new')
    expect(await sessions.listForUser(userId)).toHaveLength(1)
  })

  it('reads a session in exactly one round trip', async () => {
    const counted = countRoundTrips(open.redis)
    const sessions = createSessionStore<Profile>({ redis: counted.client, prefix })
    const { token } = await sessions.create({ userId: user(), role: 'r' })
    await sessions.get(token) // loads the script on a fresh node (NOSCRIPT → EVAL)
    const calls = counted.count()
    const requests = open.requests?.()
    for (let i = 0; i < 10; i++) expect(await sessions.get(token)).not.toBeNull()
    expect(counted.count() - calls).toBe(10)
    if (requests !== undefined) expect((open.requests?.() ?? 0) - requests).toBe(10)
  })
})

describe('session store options', () => {
  it('rejects a ttl that is not a positive duration with E_OPTION_INVALID', async () => {
    const { createMemoryRedis } = await import('@hotpath/redis/memory')
    const redis = createMemoryRedis()
    for (const ttl of [0, -1, Number.NaN, '7 days', '1w'] as const) {
      const attempt = () => createSessionStore({ redis, ttl: ttl as never })
      expect(attempt).toThrow(SessionError)
      try {
        attempt()
      } catch (error) {
        expect((error as SessionError).code).toBe('E_OPTION_INVALID')
      }
    }
    expect(createSessionStore({ redis, ttl: '12h' }).ttlSeconds).toBe(43_200)
    expect(createSessionStore({ redis }).ttlSeconds).toBe(604_800)
    await redis.close()
  })
})

describe('session store on the memory driver', () => {
  it('creates, reads, updates, lists and destroys sessions', async () => {
    const { redis, close } = await memoryTarget.open()
    try {
      const sessions = createSessionStore<Profile>({ redis })
      const { token, session } = await sessions.create({ userId: 'u1', role: 'r' })
      expect((await sessions.get(token))?.data).toEqual({ userId: 'u1', role: 'r' })
      expect((await sessions.update(token, { theme: 'dark' }))?.data.theme).toBe('dark')
      expect((await sessions.listForUser('u1')).map((s) => s.id)).toEqual([session.id])
      expect(await sessions.destroyAllForUser('u1')).toBe(1)
      expect(await sessions.get(token)).toBeNull()
    } finally {
      await close()
    }
  })
})

describe('session store when Redis is down', () => {
  it('rejects with E_SESSION_STORE and the driver error as cause', async () => {
    const { startRedis } = await import('@hotpath/test-redis')
    const { createTcpRedis } = await import('@hotpath/redis/tcp')
    const server = await startRedis()
    const redis = createTcpRedis({ url: server.url, timeoutMs: 300, retries: 0 })
    const sessions = createSessionStore<Profile>({ redis, ttl: undefined })
    try {
      const { token } = await sessions.create({ userId: 'u1', role: 'r' })
      await server.stop()
      const error = await sessions.get(token).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SessionError)
      expect((error as SessionError).code).toBe('E_SESSION_STORE')
      expect((error as SessionError).cause).toBeInstanceOf(Error)
    } finally {
      await redis.close()
      await server.stop()
    }
  })
})
