import { errors, RatelimitError } from './errors'
import { ipMatcher, normalizeIp } from './ip'
import type { Ratelimit, RatelimitResponse } from './ratelimit'

/**
 * The Ratelimit a middleware applies: `ratelimit`, or `limiter` as it was called before
 * (deprecated: it read `options.limiter.limiter`).
 */
export type MiddlewareRatelimit =
  | { ratelimit: Ratelimit; limiter?: undefined }
  | {
      /** @deprecated use `ratelimit` */
      limiter: Ratelimit
      ratelimit?: undefined
    }

export function ratelimitOf(options: MiddlewareRatelimit): Ratelimit {
  const ratelimit = options.ratelimit ?? options.limiter
  if (!ratelimit || typeof ratelimit.limit !== 'function') {
    throw new RatelimitError(
      errors.E_OPTION_INVALID,
      'the middleware needs `ratelimit`: a Ratelimit instance, e.g. new Ratelimit({ redis, limiter })',
    )
  }
  return ratelimit
}

/** The window a client sees in `RateLimit-Policy`, in seconds. */
export function policyWindowSeconds(limiter: Ratelimit['limiter']): number {
  if (limiter.algorithm === 'tokenBucket') {
    // time for an empty bucket to fill: the horizon over which `q` requests are possible
    return Math.ceil((Math.ceil(limiter.tokens / limiter.refillRate) * limiter.windowMs) / 1000)
  }
  return Math.ceil(limiter.windowMs / 1000)
}

/**
 * The rate limit headers of one response, on 200 and 429 alike:
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (unix seconds), the IETF
 * draft's `RateLimit-Policy: "name";q=…;w=…` and `RateLimit: "name";r=…;t=…`, and on a refusal
 * `Retry-After` (seconds).
 */
export function rateLimitHeaders(
  result: Pick<RatelimitResponse, 'success' | 'limit' | 'remaining' | 'reset'>,
  options: { windowSeconds: number; policy?: string; now?: number },
): Record<string, string> {
  const now = options.now ?? Date.now()
  const policy = JSON.stringify(options.policy ?? 'default')
  const seconds = Math.max(0, Math.ceil((result.reset - now) / 1000))
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(result.limit),
    'X-RateLimit-Remaining': String(result.remaining),
    'X-RateLimit-Reset': String(Math.ceil(result.reset / 1000)),
    'RateLimit-Policy': `${policy};q=${result.limit};w=${options.windowSeconds}`,
    RateLimit: `${policy};r=${result.remaining};t=${seconds}`,
  }
  if (!result.success) headers['Retry-After'] = String(Math.max(1, seconds))
  return headers
}

/**
 * The client's address. Without trusted proxies it is the connection's peer, whatever the
 * headers say. When the peer is a trusted proxy, `X-Forwarded-For` is walked from the right
 * (entries appended by proxies we trust) and the first untrusted hop is the client: entries a
 * client wrote itself sit to the left of that and are never read.
 */
export function clientAddress(options: {
  remote: string | undefined
  forwardedFor: string | null | undefined
  isTrusted: ((ip: string) => boolean) | undefined
}): string | undefined {
  const remote = options.remote ? (normalizeIp(options.remote) ?? options.remote) : undefined
  if (!remote || !options.isTrusted?.(remote)) return remote
  const hops = (options.forwardedFor ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
  let client = remote
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string
    const ip = normalizeIp(hop)
    // garbage right of a trusted proxy means the proxy did not write it: stop at the proxy
    if (!ip) return client
    client = ip
    if (!options.isTrusted(ip)) return ip
  }
  return client
}

/** Compiles a list of proxy addresses once, at middleware creation, so a bad entry fails at boot. */
export function trustedMatcher(entries: readonly string[] | undefined) {
  return entries && entries.length > 0 ? ipMatcher(entries) : undefined
}

/**
 * Where the client address comes from when the platform in front says it (both middlewares;
 * Next.js hands handlers no socket, so there it is the only way). The address is only as good
 * as the proxy in front that wrote it:
 * - `'vercel'`: `x-real-ip`, which Vercel's edge overwrites on every request;
 * - `'cloudflare'`: `cf-connecting-ip`;
 * - `{ hops: n }`: `n` proxies you run append to `X-Forwarded-For`; the n-th entry from the
 *   right is the client, and anything a client wrote sits further left and is ignored;
 * - `{ header }`: a single header your proxy sets and clients cannot pass through.
 */
export type TrustedProxy = 'vercel' | 'cloudflare' | { hops: number } | { header: string }

export function checkTrustedProxy(trusted: TrustedProxy | undefined): void {
  if (trusted === undefined || trusted === 'vercel' || trusted === 'cloudflare') return
  if ('hops' in trusted && Number.isInteger(trusted.hops) && trusted.hops >= 1) return
  if ('header' in trusted && typeof trusted.header === 'string' && trusted.header) return
  throw new RatelimitError(
    errors.E_PROXY_INVALID,
    `trustedProxy must be 'vercel', 'cloudflare', { hops: n >= 1 } or { header }, got ${JSON.stringify(trusted)}`,
  )
}

export function clientAddressFromHeaders(
  headers: Headers,
  trusted: TrustedProxy | undefined,
): string | undefined {
  if (trusted === undefined) return undefined
  let raw: string | null | undefined
  if (trusted === 'vercel') raw = headers.get('x-real-ip')
  else if (trusted === 'cloudflare') raw = headers.get('cf-connecting-ip')
  else if ('header' in trusted) raw = headers.get(trusted.header)
  else {
    const hops = (headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean)
    raw = hops.length >= trusted.hops ? hops[hops.length - trusted.hops] : undefined
  }
  return raw ? normalizeIp(raw) : undefined
}

/** The identifier from a `key` function, falling back to the client address. */
export function requireIdentifier(identifier: string | undefined | null): string {
  if (identifier) return identifier
  throw new RatelimitError(
    errors.E_CLIENT_UNKNOWN,
    'Cannot identify the client: no connection address is available. Pass `key`, or on Node serve with @hono/node-server (or pass `getConnInfo`).',
  )
}
