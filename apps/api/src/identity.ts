import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Cache } from '@hotpath/cache'
import type { RedisClient } from '@hotpath/redis'
import { secondaryStorage } from '@hotpath/session/better-auth'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { hashApiKey, type Store } from './db/store.ts'
import { ApiError, errors } from './errors.ts'
import { registry } from './keys.ts'

type Person = { userId: string; name: string; email: string; tier: string }

export type Identity =
  | { kind: 'anonymous' }
  | (Person & {
      kind: 'user'
      sessionId: string
      expiresAt: string
      /** Where the session was found: Redis (secondary storage) or Postgres (durable copy). */
      source: 'redis' | 'database'
    })
  | (Person & { kind: 'apiKey'; keyPrefix: string })

export type Resolved = { identity: Identity; error?: ApiError }

export type IdentityOptions = {
  redis: RedisClient | null
  store: Store
  cache: Cache
  /**
   * Better Auth's secret: session cookies are `token.HMAC-SHA256(secret, token)` and a
   * cookie whose signature does not verify is ignored. Undefined: only bearer tokens are read.
   */
  authSecret: string | undefined
  /** Better Auth's `advanced.cookiePrefix`. @default 'better-auth' */
  cookiePrefix?: string
  /** The web app's `secondaryStorage({ redis, prefix })`. @default undefined (HOTPATH_KEY_PREFIX) */
  storagePrefix?: string
}

type StoredSession = {
  session?: { id?: string; userId?: string; expiresAt?: string; createdAt?: string }
  user?: { id?: string; name?: string; email?: string; tier?: string }
}

function verifySigned(value: string, secret: string): string | null {
  const dot = value.lastIndexOf('.')
  if (dot < 1) return null
  const token = value.slice(0, dot)
  const signature = Buffer.from(value.slice(dot + 1), 'base64')
  const expected = createHmac('sha256', secret).update(token).digest()
  return signature.length === expected.length && timingSafeEqual(signature, expected) ? token : null
}

const parseJson = (raw: unknown): StoredSession | null => {
  if (typeof raw === 'object' && raw !== null) return raw as StoredSession
  if (typeof raw !== 'string') return null
  try {
    return JSON.parse(raw) as StoredSession
  } catch {
    return null
  }
}

/**
 * Who is calling: an `x-api-key`, else a Better Auth session (its cookie, or
 * `Authorization: Bearer <token>` as Better Auth's bearer plugin takes it), else nobody.
 * Sessions are read where the web app's Better Auth writes them: the secondary storage in
 * Redis first, then its `storeSessionInDatabase` copy, so a Redis loss signs nobody out here
 * either.
 */
export function createIdentityResolver(options: IdentityOptions) {
  const { store, cache, authSecret } = options
  const cookiePrefix = options.cookiePrefix ?? 'better-auth'
  const storage = secondaryStorage({ redis: options.redis, prefix: options.storagePrefix })

  async function fromStorage(token: string): Promise<Identity | null | undefined> {
    if (!storage) return undefined
    let stored: StoredSession | null
    try {
      stored = parseJson(await storage.get(token))
    } catch {
      return undefined // Redis down: ask the database
    }
    const { session, user } = stored ?? {}
    if (!session?.id || !session.userId || !user?.id || !user.email) return undefined
    const expiresAt = new Date(session.expiresAt ?? 0)
    if (expiresAt.getTime() <= Date.now()) return null
    // "Sign out everywhere" in Better Auth records a cut-off instead of deleting every copy.
    const revokedBefore = Number(
      await Promise.resolve(storage.get(`revoked-sessions-before-${session.userId}`)).catch(
        () => null,
      ),
    )
    if (revokedBefore && new Date(session.createdAt ?? 0).getTime() < revokedBefore) return null
    return {
      kind: 'user',
      userId: user.id,
      name: user.name ?? '',
      email: user.email,
      tier: user.tier ?? 'free',
      sessionId: session.id,
      expiresAt: expiresAt.toISOString(),
      source: 'redis',
    }
  }

  async function fromSession(token: string): Promise<Identity | null> {
    const cached = await fromStorage(token)
    if (cached !== undefined) return cached
    const row = await store.findSession(token)
    if (!row) return null
    return {
      kind: 'user',
      userId: row.user.id,
      name: row.user.name,
      email: row.user.email,
      tier: row.user.tier,
      sessionId: row.session.id,
      expiresAt: row.session.expiresAt.toISOString(),
      source: 'database',
    }
  }

  function sessionToken(c: Context): string | null {
    const bearer = c.req.header('authorization')
    if (bearer && bearer.slice(0, 7).toLowerCase() === 'bearer ') {
      const value = decodeURIComponent(bearer.slice(7).trim())
      if (!value.includes('.')) return value || null
      return authSecret ? verifySigned(value, authSecret) : null
    }
    if (!authSecret) return null
    const cookie =
      getCookie(c, `__Secure-${cookiePrefix}.session_token`) ??
      getCookie(c, `${cookiePrefix}.session_token`)
    return cookie ? verifySigned(cookie, authSecret) : null
  }

  return async function resolve(c: Context): Promise<Resolved> {
    const apiKey = c.req.header('x-api-key')
    if (apiKey !== undefined) {
      const hash = hashApiKey(apiKey)
      const owner = await cache.getOrSet(
        registry.keys.apiKeyOwner({ hash }),
        () => store.findApiKeyOwner(hash),
        { negativeTtl: '10s' },
      )
      if (!owner) {
        return {
          identity: { kind: 'anonymous' },
          error: new ApiError(
            401,
            errors.E_API_KEY_INVALID,
            'The x-api-key header names no API key',
          ),
        }
      }
      return { identity: { kind: 'apiKey', ...owner, keyPrefix: apiKey.slice(0, 8) } }
    }
    const token = sessionToken(c)
    if (!token) return { identity: { kind: 'anonymous' } }
    return { identity: (await fromSession(token)) ?? { kind: 'anonymous' } }
  }
}

export type IdentityResolver = ReturnType<typeof createIdentityResolver>

/** Better Auth's cookie value for a token: what the web app sets after sign-in. */
export function signSessionToken(token: string, secret: string): string {
  return `${token}.${createHmac('sha256', secret).update(token).digest('base64')}`
}
