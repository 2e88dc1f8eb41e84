import { Ratelimit } from '@hotpath/ratelimit'
import type { TrustedProxy } from '@hotpath/ratelimit/next'
import { getRedis } from './redis'

const GLOBAL = Symbol.for('hotpath.web.auth-limiter')
type Holder = { [GLOBAL]?: Ratelimit | null }

/**
 * The limiter in front of sign-in and sign-up (in the proxy), on top of Better Auth's own.
 * Open on Redis failure, chosen explicitly: sessions survive a Redis loss (they are in
 * Postgres too), so sign-in should as well, and Better Auth's own limiter still counts
 * attempts. Null without Redis.
 */
export function getAuthLimiter(): Ratelimit | null {
  const holder = globalThis as Holder
  if (holder[GLOBAL] !== undefined) return holder[GLOBAL]
  const redis = getRedis()
  holder[GLOBAL] = redis
    ? new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(
          Number(process.env.AUTH_RATE_LIMIT_PER_MINUTE ?? 20),
          '1 m',
        ),
        prefix: 'ratelimit:auth',
        analytics: true,
        failureMode: 'open',
        timeout: 2000,
      })
    : null
  return holder[GLOBAL]
}

/**
 * Who sent a request, per HOTPATH_TRUSTED_PROXY ('vercel', 'cloudflare', or a hop count for
 * X-Forwarded-For). Unset, client headers are not trusted and every anonymous caller shares
 * one bucket: a forged X-Forwarded-For must not buy a fresh quota.
 */
export function trustedProxy(): TrustedProxy | undefined {
  const value = process.env.HOTPATH_TRUSTED_PROXY
  if (!value) return undefined
  if (value === 'vercel' || value === 'cloudflare') return value
  const hops = Number(value)
  return Number.isInteger(hops) && hops >= 1 ? { hops } : { header: value }
}
