import type { Context, MiddlewareHandler } from 'hono'
import type { GetConnInfo } from 'hono/conninfo'
import {
  checkTrustedProxy,
  clientAddress,
  clientAddressFromHeaders,
  type MiddlewareRatelimit,
  policyWindowSeconds,
  rateLimitHeaders,
  ratelimitOf,
  requireIdentifier,
  type TrustedProxy,
  trustedMatcher,
} from './http'
import type { LimitOptions, RatelimitResponse } from './ratelimit'

export type { TrustedProxy } from './http'

export type RateLimiterOptions = MiddlewareRatelimit & {
  /**
   * Who is counted: a user id, an API key… Return undefined to fall back to the client address.
   * @default the client address (see `trustedProxy`)
   */
  key?: (c: Context) => string | undefined | Promise<string | undefined>
  /**
   * Who may tell the client address. A list of proxies whose `X-Forwarded-For` is believed
   * (IPs, CIDR ranges, or `'loopback'`, `'private'`, `'linklocal'`), walked from the right
   * from the connection's peer; or, as in the Next.js middleware, the platform in front:
   * `'vercel'`, `'cloudflare'`, `{ hops }`, `{ header }` (see `TrustedProxy`). Unset, the
   * connection's peer address is the client and headers are ignored, so a forged
   * `X-Forwarded-For` cannot buy a fresh quota.
   * @default [] (none)
   */
  trustedProxy?: string[] | TrustedProxy
  /** @deprecated the same as `trustedProxy` with a list, its name in the Next.js middleware. */
  trustedProxies?: string[]
  /**
   * How to read the connection, e.g. `getConnInfo` from `@hono/node-server/conninfo`,
   * `hono/bun`, `hono/deno` or `hono/cloudflare-workers`.
   * @default reads `c.env.incoming.socket` as @hono/node-server provides it
   */
  getConnInfo?: GetConnInfo
  /** Per-request options for limit(): cost (`rate`), a tier's `limit`… @default {} */
  limitOptions?: (c: Context) => LimitOptions | Promise<LimitOptions>
  /** The response for a refused request; the rate limit headers are added to it. @default 429 JSON */
  onLimited?: (c: Context, result: RatelimitResponse) => Response | Promise<Response>
  /** Name in `RateLimit` / `RateLimit-Policy`. @default 'default' */
  policy?: string
}

type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } }

const nodeConnInfo: GetConnInfo = (c) => ({
  remote: { address: (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress },
})

function setHeaders(c: Context, headers: Record<string, string>): void {
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value)
  } catch {
    // a Response from fetch() has immutable headers: copy it once
    c.res = new Response(c.res.body, c.res)
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value)
  }
}

// Hono's executionCtx getter throws where there is none (Node); learn that once rather than
// paying for a thrown Error on every request.
let noExecutionCtx = false

function waitUntil(c: Context, pending: Promise<unknown>): void {
  if (noExecutionCtx) return
  try {
    c.executionCtx.waitUntil(pending)
  } catch {
    // no execution context (Node): the promise settles on its own
    noExecutionCtx = true
  }
}

/**
 * Hono middleware: 429 with the rate limit headers when refused, the same headers on every
 * admitted response.
 *
 * @example
 * app.use('/api/*', rateLimiter({ ratelimit: new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(100, '1 m') }) }))
 */
export function rateLimiter(options: RateLimiterOptions): MiddlewareHandler {
  const ratelimit = ratelimitOf(options)
  const trusted = options.trustedProxy ?? options.trustedProxies
  const platform = Array.isArray(trusted) ? undefined : trusted
  checkTrustedProxy(platform)
  const isTrusted = Array.isArray(trusted) ? trustedMatcher(trusted) : undefined
  const getConnInfo = options.getConnInfo ?? nodeConnInfo
  const windowSeconds = policyWindowSeconds(ratelimit.limiter)
  const address = (c: Context) =>
    platform
      ? clientAddressFromHeaders(c.req.raw.headers, platform)
      : clientAddress({
          remote: getConnInfo(c).remote.address,
          forwardedFor: c.req.header('x-forwarded-for'),
          isTrusted,
        })

  return async (c, next) => {
    const custom = options.key ? await options.key(c) : undefined
    const identifier = requireIdentifier(custom ?? address(c))
    const result = await ratelimit.limit(identifier, (await options.limitOptions?.(c)) ?? {})
    waitUntil(c, result.pending)
    const headers = rateLimitHeaders(result, { windowSeconds, policy: options.policy })
    if (!result.success) {
      c.res = options.onLimited
        ? await options.onLimited(c, result)
        : c.json({ error: 'Too Many Requests', reset: result.reset }, 429)
      setHeaders(c, headers)
      return c.res
    }
    await next()
    // An inner limiter that refused the request has set its own headers; they describe the
    // limit that was hit, so an outer limiter must not overwrite them.
    if (c.res.status === 429 && c.res.headers.has('X-RateLimit-Limit')) return
    setHeaders(c, headers)
  }
}
