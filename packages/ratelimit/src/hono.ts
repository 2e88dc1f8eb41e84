import type { Context, MiddlewareHandler } from 'hono'
import type { GetConnInfo } from 'hono/conninfo'
import {
  clientAddress,
  policyWindowSeconds,
  rateLimitHeaders,
  requireIdentifier,
  trustedMatcher,
} from './http'
import type { LimitOptions, Ratelimit, RatelimitResponse } from './ratelimit'

export type RateLimiterOptions = {
  /** The Ratelimit instance to apply. */
  limiter: Ratelimit
  /**
   * Who is counted: a user id, an API key… Return undefined to fall back to the client address.
   * @default the client address (see `trustedProxies`)
   */
  key?: (c: Context) => string | undefined | Promise<string | undefined>
  /**
   * Proxies whose `X-Forwarded-For` is believed: IPs, CIDR ranges, or `'loopback'`,
   * `'private'`, `'linklocal'`. Without it the connection's peer address is the client and the
   * header is ignored, so a forged `X-Forwarded-For` cannot buy a fresh quota. @default []
   */
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
 * app.use('/api/*', rateLimiter({ limiter: new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(100, '1 m') }) }))
 */
export function rateLimiter(options: RateLimiterOptions): MiddlewareHandler {
  const isTrusted = trustedMatcher(options.trustedProxies)
  const getConnInfo = options.getConnInfo ?? nodeConnInfo
  const windowSeconds = policyWindowSeconds(options.limiter.limiter)

  return async (c, next) => {
    const custom = options.key ? await options.key(c) : undefined
    const identifier = requireIdentifier(
      custom ??
        clientAddress({
          remote: getConnInfo(c).remote.address,
          forwardedFor: c.req.header('x-forwarded-for'),
          isTrusted,
        }),
    )
    const result = await options.limiter.limit(identifier, (await options.limitOptions?.(c)) ?? {})
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
