import {
  type Duration,
  Ratelimit,
  type RatelimitResponse,
  rateLimitHeaders,
} from '@hotpath/ratelimit'
import { clientAddressFromHeaders, type TrustedProxy } from '@hotpath/ratelimit/next'
import { getRedis } from './redis'

/**
 * Every rate limit of the web app. Better Auth's own limiter is off (src/lib/auth.ts), so
 * these are the only numbers a client ever sees: the HTTP routes and the server actions
 * (the sign-in and sign-up forms, email change, key regeneration) count in the same buckets.
 *
 * Failure mode: closed, for all of them. These routes take a password or mint a credential,
 * where an unlimited attacker is worse than a short "try again" while Redis is down. Without
 * any Redis configured there is nothing to count in, and the limits are off.
 */
export const RATE_LIMITS = {
  /** Password and token endpoints, per client (see `authIdentifier`). */
  auth: {
    tokens: Number(process.env.AUTH_RATE_LIMIT_PER_MINUTE ?? 10),
    window: '1 m',
    algorithm: 'slidingWindow',
  },
  /** API-key regeneration, per user: once in any 24 hours (exact, a log of one entry). */
  apiKeyRegen: { tokens: 1, window: '1 d', algorithm: 'slidingLogs' },
} as const satisfies Record<
  string,
  { tokens: number; window: Duration; algorithm: 'slidingWindow' | 'slidingLogs' }
>

export type RateLimitRule = keyof typeof RATE_LIMITS

/** Better Auth endpoints (below /api/auth) that the `auth` rule covers. */
export const AUTH_LIMITED_PATHS = new Set([
  '/sign-in/email',
  '/sign-up/email',
  '/request-password-reset',
  '/forget-password',
  '/reset-password',
  '/change-email',
  '/change-password',
])

const GLOBAL = Symbol.for('hotpath.web.ratelimits')
type Holder = { [GLOBAL]?: Map<RateLimitRule, Ratelimit | null> }

/** The limiter of one rule, shared by every bundle of the process; null without Redis. */
export function getLimiter(rule: RateLimitRule): Ratelimit | null {
  const holder = globalThis as Holder
  holder[GLOBAL] ??= new Map()
  const cached = holder[GLOBAL].get(rule)
  if (cached !== undefined) return cached
  // AUTH_RATE_LIMIT=off: benchmarks sign in from many processes at once.
  const off = rule === 'auth' && process.env.AUTH_RATE_LIMIT === 'off'
  const redis = off ? null : getRedis()
  const { tokens, window, algorithm } = RATE_LIMITS[rule]
  const limiter = redis
    ? new Ratelimit({
        redis,
        limiter: Ratelimit[algorithm](tokens, window),
        prefix: `ratelimit:${rule}`,
        analytics: rule === 'auth',
        failureMode: 'closed',
        timeout: 2000,
      })
    : null
  holder[GLOBAL].set(rule, limiter)
  return limiter
}

/** Kept for the analytics page, which charts the auth rule. */
export const getAuthLimiter = () => getLimiter('auth')

/**
 * Who sent a request, per HOTPATH_TRUSTED_PROXY ('vercel', 'cloudflare', or a hop count for
 * X-Forwarded-For). Unset, client headers are not trusted: a forged X-Forwarded-For must not
 * buy a fresh quota.
 */
export function trustedProxy(): TrustedProxy | undefined {
  const value = process.env.HOTPATH_TRUSTED_PROXY
  if (!value) return undefined
  if (value === 'vercel' || value === 'cloudflare') return value
  const hops = Number(value)
  return Number.isInteger(hops) && hops >= 1 ? { hops } : { header: value }
}

/**
 * The identifier policy of the `auth` rule: the client's address when a trusted proxy names
 * it; otherwise what the attempt is aimed at — the account (email), the reset token, or the
 * signed-in session. Never one shared bucket for every unidentified client: then one
 * attacker would lock everyone out.
 */
export function authIdentifier(
  headers: Headers,
  target: { email?: string | undefined; token?: string | undefined; session?: string | undefined },
): string | undefined {
  const address = clientAddressFromHeaders(headers, trustedProxy())
  if (address) return `ip:${address}`
  const email = target.email?.trim().toLowerCase()
  if (email) return `account:${email}`
  if (target.token) return `token:${target.token}`
  if (target.session) return `session:${target.session}`
  return undefined
}

export type LimitVerdict =
  | { limited: false }
  | {
      limited: true
      success: boolean
      /** Redis failed or timed out and the closed failure mode refused. */
      unavailable: boolean
      /** Seconds until the next attempt can pass (0 when admitted). */
      retryAfter: number
      headers: Record<string, string>
      result: RatelimitResponse
    }

/** Counts one attempt under a rule. `{ limited: false }` without Redis. */
export async function checkLimit(rule: RateLimitRule, identifier: string): Promise<LimitVerdict> {
  const limiter = getLimiter(rule)
  if (!limiter) return { limited: false }
  const result = await limiter.limit(identifier)
  const windowSeconds = Math.ceil(limiter.limiter.windowMs / 1000)
  const headers = rateLimitHeaders(result, { windowSeconds, policy: rule })
  const retryAfter = result.success ? 0 : Math.max(1, Math.ceil((result.reset - Date.now()) / 1000))
  return {
    limited: true,
    success: result.success,
    unavailable: !result.success && (result.reason === 'error' || result.reason === 'timeout'),
    retryAfter,
    headers,
    result,
  }
}

/** "42 s", "3 min", "23 h 59 min": for "try again in …" messages. */
export function formatRetryAfter(seconds: number): string {
  if (seconds < 60) return `${seconds} s`
  const h = Math.floor(seconds / 3600)
  const m = Math.ceil((seconds % 3600) / 60)
  return h > 0 ? `${h} h ${m} min` : `${m} min`
}

/** The message a person reads for a refused attempt. */
export function refusalMessage(verdict: LimitVerdict & { limited: true }, what: string): string {
  if (verdict.unavailable) return `${what} is unavailable for a moment. Try again in a few seconds.`
  return `Too many attempts. Try again in ${formatRetryAfter(verdict.retryAfter)}.`
}
