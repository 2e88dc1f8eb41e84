import { awayFromWindowEdge } from '@hotpath/test-redis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type AppEnv, type RedisMode, useAppEnv } from './app-env'

/** Better Auth with the Drizzle adapter on PGlite, with and without Redis secondary storage. */
export function authCases(mode: RedisMode) {
  describe(`Better Auth on PGlite, Redis: ${mode}`, () => {
    let env: AppEnv
    let auth: Awaited<ReturnType<typeof import('../../src/lib/auth')['getAuth']>>
    let getRedis: typeof import('../../src/lib/redis')['getRedis']
    let getDb: typeof import('../../src/lib/db/client')['getDb']
    let schema: typeof import('@apps/db/schema')

    /** Signs in and returns the Cookie header a browser would send back. */
    async function signIn(email: string, password = 'correct horse battery'): Promise<Headers> {
      const { headers } = await auth.api.signInEmail({
        body: { email, password },
        headers: new Headers({ 'user-agent': 'vitest' }),
        returnHeaders: true,
      })
      const cookie = headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ')
      return new Headers({ cookie })
    }

    async function sessionKeysInRedis(): Promise<string[]> {
      const redis = getRedis()
      if (!redis) return []
      const found: string[] = []
      for await (const batch of redis.scan({ match: `${env.runId}:*` })) found.push(...batch)
      return found
    }

    beforeAll(async () => {
      env = await useAppEnv(mode)
      ;({ getRedis } = await import('../../src/lib/redis'))
      ;({ getDb } = await import('../../src/lib/db/client'))
      schema = await import('@apps/db/schema')
      auth = await (await import('../../src/lib/auth')).getAuth()
    })

    afterAll(async () => {
      await env?.close()
    })

    test('sign up makes the first account the admin and the next one a user', async () => {
      const first = await auth.api.signUpEmail({
        body: { name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' },
      })
      const second = await auth.api.signUpEmail({
        body: { name: 'Bob', email: 'bob@example.com', password: 'correct horse battery' },
      })
      expect(first.user.role).toBe('admin')
      expect(second.user.role).toBe('user')
    })

    test('a wrong password is refused', async () => {
      await expect(signIn('ada@example.com', 'wrong password!')).rejects.toThrow()
    })

    test(`sessions are stored in Postgres${mode === 'none' ? ' only' : ' and in Redis'}`, async () => {
      const cookie = await signIn('ada@example.com')
      const session = await auth.api.getSession({ headers: cookie })
      expect(session?.user.email).toBe('ada@example.com')
      const db = await getDb()
      const rows = await db.select().from(schema.session)
      expect(rows.some((r) => r.token === session?.session.token)).toBe(true)
      const inRedis = await sessionKeysInRedis()
      if (mode === 'none') expect(inRedis).toEqual([])
      else expect(inRedis.length).toBeGreaterThan(0)
    })

    test('revoking one session signs out that session only', async () => {
      const laptop = await signIn('bob@example.com')
      const phone = await signIn('bob@example.com')
      const listed = await auth.api.listSessions({ headers: laptop })
      expect(listed.length).toBeGreaterThanOrEqual(2)
      const phoneSession = await auth.api.getSession({ headers: phone })
      await auth.api.revokeSession({
        body: { token: phoneSession!.session.token },
        headers: laptop,
      })
      expect(await auth.api.getSession({ headers: phone })).toBeNull()
      expect((await auth.api.getSession({ headers: laptop }))?.user.email).toBe('bob@example.com')
    })

    test('signing out everywhere ends every session of the user', async () => {
      const a = await signIn('bob@example.com')
      const b = await signIn('bob@example.com')
      await auth.api.revokeSessions({ headers: a })
      expect(await auth.api.getSession({ headers: a })).toBeNull()
      expect(await auth.api.getSession({ headers: b })).toBeNull()
    })

    if (mode !== 'none') {
      test('POST /api/auth/sign-in/email answers 429 after 10 attempts a minute, with the headers on every answer', async () => {
        const { POST } = await import('../../src/app/api/auth/[...all]/route')
        const attempt = () =>
          POST(
            new Request('http://127.0.0.1:3000/api/auth/sign-in/email', {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                origin: 'http://127.0.0.1:3000',
                // Not trusted (no HOTPATH_TRUSTED_PROXY): a fresh forged address buys nothing.
                'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}`,
              },
              body: JSON.stringify({ email: 'ada@example.com', password: 'wrong password!' }),
            }),
          )
        await awayFromWindowEdge(60_000, 5_000)
        const answers: Response[] = []
        for (let i = 0; i < 11; i++) answers.push(await attempt())
        expect(answers.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(401))
        expect(answers.slice(0, 10).map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual([
          '9',
          '8',
          '7',
          '6',
          '5',
          '4',
          '3',
          '2',
          '1',
          '0',
        ])
        const refused = answers[10] as Response
        expect(refused.status).toBe(429)
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
        expect(refused.headers.get('ratelimit-policy')).toBe('"auth";q=10;w=60')
        expect(refused.headers.get('ratelimit')).toMatch(/^"auth";r=0;t=\d+$/)
        expect(refused.headers.get('x-ratelimit-limit')).toBe('10')
      })

      test('losing every Redis key signs nobody out (storeSessionInDatabase)', async () => {
        const cookie = await signIn('ada@example.com')
        const redis = getRedis()!
        const keys = await sessionKeysInRedis()
        expect(keys.length).toBeGreaterThan(0)
        await redis.del(...keys)
        expect(await sessionKeysInRedis()).toEqual([])
        const session = await auth.api.getSession({ headers: cookie })
        expect(session?.user.email).toBe('ada@example.com')
      })
    }
  })
}
