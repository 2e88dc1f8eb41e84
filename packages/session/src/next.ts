import { cookies as nextCookies } from 'next/headers'
import { type SessionCookieOptions, sessionCookie } from './cookie'
import type { Session, SessionData, SessionStore } from './store'

/** The part of Next's `cookies()` store this adapter uses. */
export type NextCookieJar = {
  get(name: string): { value: string } | undefined
  set(
    name: string,
    value: string,
    options: {
      httpOnly: boolean
      secure: boolean
      sameSite: 'lax' | 'strict' | 'none'
      path: string
      maxAge: number
      domain?: string
    },
  ): unknown
  delete(name: string): unknown
}

export type NextSessionOptions = Omit<SessionCookieOptions, 'maxAge'> & {
  /**
   * Where the cookie jar comes from.
   * @default `cookies` from `next/headers`
   */
  cookies?: () => Promise<NextCookieJar>
}

export type NextSession<T extends SessionData> = {
  /** The session of this request, or `null`. Works in Server Components (read only). */
  get(): Promise<Session<T> | null>
  /** Creates a session and sets the cookie (Route Handlers, Server Actions, middleware). */
  create(data: T): Promise<Session<T>>
  /** Extends the session and re-issues the cookie, so a rolling session keeps its cookie too. */
  refresh(): Promise<Session<T> | null>
  /** Destroys the session and clears the cookie. */
  destroy(): Promise<boolean>
}

/** Session cookies for the Next.js App Router, the cookie's Max-Age set to the store's ttl. */
export function nextSession<T extends SessionData>(
  store: SessionStore<T>,
  options: NextSessionOptions = {},
): NextSession<T> {
  const { cookies = nextCookies as () => Promise<NextCookieJar>, ...cookieOptions } = options
  const cookie = sessionCookie({ ...cookieOptions, maxAge: store.ttlSeconds })
  const attributes = {
    httpOnly: cookie.httpOnly,
    secure: cookie.secure,
    sameSite: cookie.sameSite,
    path: cookie.path,
    maxAge: cookie.maxAge,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
  }
  const tokenOf = async () => (await cookies()).get(cookie.name)?.value ?? null

  return {
    async get() {
      return store.get(await tokenOf())
    },
    async create(data) {
      const { token, session } = await store.create(data)
      ;(await cookies()).set(cookie.name, token, attributes)
      return session
    },
    async refresh() {
      const jar = await cookies()
      const token = jar.get(cookie.name)?.value ?? null
      const session = await store.touch(token)
      if (session && token) jar.set(cookie.name, token, attributes)
      else if (token) jar.delete(cookie.name)
      return session
    },
    async destroy() {
      const jar = await cookies()
      const destroyed = await store.destroy(jar.get(cookie.name)?.value ?? null)
      jar.delete(cookie.name)
      return destroyed
    },
  }
}
