import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { type SessionCookieOptions, sessionCookie } from './cookie'
import type { Session, SessionData, SessionStore } from './store'

export type HonoSessionOptions = Omit<SessionCookieOptions, 'maxAge'>

export type HonoSession<T extends SessionData> = {
  /** The session of this request, or `null`. */
  get(c: Context): Promise<Session<T> | null>
  /** Creates a session and sets the cookie on the response. */
  create(c: Context, data: T): Promise<Session<T>>
  /** Extends the session and re-issues the cookie, so a rolling session keeps its cookie too. */
  refresh(c: Context): Promise<Session<T> | null>
  /** Destroys the session and clears the cookie. */
  destroy(c: Context): Promise<boolean>
}

/** Session cookies for Hono, the cookie's Max-Age set to the store's ttl. */
export function honoSession<T extends SessionData>(
  store: SessionStore<T>,
  options: HonoSessionOptions = {},
): HonoSession<T> {
  const cookie = sessionCookie({ ...options, maxAge: store.ttlSeconds })
  const sameSite = { lax: 'Lax', strict: 'Strict', none: 'None' } as const
  const attributes = {
    httpOnly: cookie.httpOnly,
    secure: cookie.secure || cookie.sameSite === 'none',
    sameSite: sameSite[cookie.sameSite],
    path: cookie.path,
    maxAge: cookie.maxAge,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
  }
  const tokenOf = (c: Context) => getCookie(c, cookie.name) ?? null
  const clear = (c: Context) =>
    deleteCookie(c, cookie.name, {
      path: cookie.path,
      ...(cookie.domain ? { domain: cookie.domain } : {}),
    })

  return {
    get: (c) => store.get(tokenOf(c)),
    async create(c, data) {
      const { token, session } = await store.create(data)
      setCookie(c, cookie.name, token, attributes)
      return session
    },
    async refresh(c) {
      const token = tokenOf(c)
      const session = await store.touch(token)
      if (session && token) setCookie(c, cookie.name, token, attributes)
      else if (token) clear(c)
      return session
    },
    async destroy(c) {
      const destroyed = await store.destroy(tokenOf(c))
      clear(c)
      return destroyed
    },
  }
}
