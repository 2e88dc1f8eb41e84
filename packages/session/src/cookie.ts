import { type Duration, parseDuration } from '@hotpath/core'
import { errors, SessionError } from './errors'

export type SessionCookieOptions = {
  /** @default 'hp_session' */
  name?: string
  /**
   * Whole seconds, as the `Max-Age` attribute (and every framework's cookie `maxAge`), or a
   * duration such as `'7d'`; pass the store's `ttlSeconds`. 0 expires the cookie.
   * @default 604800 (7 days)
   */
  maxAge?: Duration | number
  /** @default true when NODE_ENV is 'production' */
  secure?: boolean
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /** @default '/' */
  path?: string
  /** @default undefined (host-only) */
  domain?: string
  /** @default true */
  httpOnly?: boolean
}

export type SessionCookie = Required<Omit<SessionCookieOptions, 'domain' | 'maxAge'>> & {
  domain: string | undefined
  /** Whole seconds. */
  maxAge: number
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const COOKIE_VALUE = /^[!#$%&'()*+\-./0-9:<=>?@A-Z[\]^_`a-z{|}~]*$/

function isProduction(): boolean {
  // Edge runtimes may have no `process`; they count as not production unless told.
  return globalThis.process?.env?.NODE_ENV === 'production'
}

/** The resolved cookie attributes, for frameworks that take an options object. */
export function sessionCookie(options: SessionCookieOptions = {}): SessionCookie {
  const { maxAge = 604_800, ...given }: SessionCookieOptions = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  )
  const cookie: SessionCookie = {
    name: 'hp_session',
    secure: isProduction(),
    sameSite: 'lax',
    path: '/',
    domain: undefined,
    httpOnly: true,
    ...given,
    maxAge: maxAgeSeconds(maxAge),
  }
  if (!COOKIE_NAME.test(cookie.name)) {
    throw new SessionError(errors.E_OPTION_INVALID, `invalid cookie name: ${cookie.name}`)
  }
  return cookie
}

/** `Max-Age` counts whole seconds, so a fraction is refused rather than rounded. */
function maxAgeSeconds(maxAge: Duration | number): number {
  const ms = parseDuration(maxAge, 'cookie maxAge', { number: 's', error: SessionError })
  if (ms % 1000 !== 0 || !Number.isSafeInteger(ms / 1000)) {
    throw new SessionError(
      errors.E_OPTION_INVALID,
      `cookie maxAge must be whole seconds; got ${JSON.stringify(maxAge)}`,
    )
  }
  return ms / 1000
}

function serialize(value: string, cookie: SessionCookie): string {
  if (!COOKIE_VALUE.test(value)) {
    throw new SessionError(errors.E_OPTION_INVALID, 'a session token must be cookie-safe')
  }
  const parts = [`${cookie.name}=${value}`, `Path=${cookie.path}`, `Max-Age=${cookie.maxAge}`]
  if (cookie.maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT')
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`)
  if (cookie.httpOnly) parts.push('HttpOnly')
  // Browsers drop SameSite=None cookies that are not Secure.
  if (cookie.secure || cookie.sameSite === 'none') parts.push('Secure')
  parts.push(`SameSite=${cookie.sameSite[0]?.toUpperCase()}${cookie.sameSite.slice(1)}`)
  return parts.join('; ')
}

/** A `Set-Cookie` header value carrying the token. */
export function serializeSessionCookie(token: string, options?: SessionCookieOptions): string {
  return serialize(token, sessionCookie(options))
}

/** A `Set-Cookie` header value that removes the session cookie. */
export function serializeClearedSessionCookie(options?: SessionCookieOptions): string {
  return serialize('', { ...sessionCookie(options), maxAge: 0 })
}

/** The token from a `Cookie` request header, or `null`. */
export function parseSessionCookie(
  header: string | null | undefined,
  options: Pick<SessionCookieOptions, 'name'> = {},
): string | null {
  if (!header) return null
  const name = options.name ?? 'hp_session'
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue
    let value = pair.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1)
    try {
      value = decodeURIComponent(value)
    } catch {
      return null
    }
    return value === '' ? null : value
  }
  return null
}
