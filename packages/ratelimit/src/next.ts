import { after, type NextFetchEvent, NextResponse } from 'next/server'
import {
  checkTrustedProxy,
  clientAddressFromHeaders,
  type MiddlewareRatelimit,
  policyWindowSeconds,
  rateLimitHeaders,
  ratelimitOf,
  requireIdentifier,
  type TrustedProxy,
} from './http'
import type { LimitOptions, RatelimitResponse } from './ratelimit'

export { clientAddressFromHeaders, type TrustedProxy } from './http'

export type NextRateLimitOptions = MiddlewareRatelimit & {
  /** Who is counted; return undefined to fall back to the client address. @default client address */
  key?: (request: Request) => string | undefined | Promise<string | undefined>
  /** Required unless every request has a `key`: see `TrustedProxy`. @default none */
  trustedProxy?: TrustedProxy
  /** Per-request options for limit(): cost (`rate`), a tier's `limit`… @default {} */
  limitOptions?: (request: Request) => LimitOptions | Promise<LimitOptions>
  /** The response for a refused request; the rate limit headers are added. @default 429 JSON */
  onLimited?: (request: Request, result: RatelimitResponse) => Response | Promise<Response>
  /** Name in `RateLimit` / `RateLimit-Policy`. @default 'default' */
  policy?: string
}

function prepare(options: NextRateLimitOptions) {
  checkTrustedProxy(options.trustedProxy)
  const ratelimit = ratelimitOf(options)
  const windowSeconds = policyWindowSeconds(ratelimit.limiter)
  return async (request: Request) => {
    const custom = options.key ? await options.key(request) : undefined
    const identifier = requireIdentifier(
      custom ?? clientAddressFromHeaders(request.headers, options.trustedProxy),
    )
    const result = await ratelimit.limit(identifier, (await options.limitOptions?.(request)) ?? {})
    const headers = rateLimitHeaders(result, { windowSeconds, policy: options.policy })
    return { result, headers }
  }
}

async function refusal(
  options: NextRateLimitOptions,
  request: Request,
  result: RatelimitResponse,
  headers: Record<string, string>,
): Promise<Response> {
  const response = options.onLimited
    ? await options.onLimited(request, result)
    : Response.json({ error: 'Too Many Requests', reset: result.reset }, { status: 429 })
  return withHeaders(response, headers)
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  let target = response
  try {
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value)
  } catch {
    // immutable headers (a fetch() response): copy once
    target = new Response(response.body, response)
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value)
  }
  return target
}

/**
 * For `proxy.ts` (Next.js 16; `middleware.ts` before): answers 429 itself, or lets the request
 * through with the rate limit headers on the final response.
 *
 * @example
 * // proxy.ts
 * export const proxy = rateLimitProxy({ ratelimit, trustedProxy: 'vercel' })
 * export const config = { matcher: '/api/:path*' }
 */
export function rateLimitProxy(options: NextRateLimitOptions) {
  const check = prepare(options)
  return async (request: Request, event?: NextFetchEvent): Promise<Response> => {
    const { result, headers } = await check(request)
    event?.waitUntil(result.pending)
    if (!result.success) return refusal(options, request, result, headers)
    return NextResponse.next({ headers })
  }
}

/**
 * Wraps an App Router route handler: 429 when refused, the handler's response with the rate
 * limit headers otherwise.
 *
 * @example
 * export const POST = withRateLimit(async (request) => Response.json(await create(request)), { ratelimit, key })
 */
export function withRateLimit<Ctx>(
  handler: (request: Request, context: Ctx) => Response | Promise<Response>,
  options: NextRateLimitOptions,
): (request: Request, context: Ctx) => Promise<Response> {
  const check = prepare(options)
  return async (request, context) => {
    const { result, headers } = await check(request)
    try {
      after(result.pending)
    } catch {
      // outside a Next.js request scope (tests, other servers): pending settles on its own
    }
    if (!result.success) return refusal(options, request, result, headers)
    return withHeaders(await handler(request, context), headers)
  }
}
