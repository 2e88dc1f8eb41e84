import { after, type NextFetchEvent, NextResponse } from 'next/server'
import { errors, RatelimitError } from './errors'
import { policyWindowSeconds, rateLimitHeaders, requireIdentifier } from './http'
import { normalizeIp } from './ip'
import type { LimitOptions, Ratelimit, RatelimitResponse } from './ratelimit'

/**
 * Where the client address comes from. Next.js hands handlers no socket, so the address is
 * only as good as the proxy in front that wrote it:
 * - `'vercel'`: `x-real-ip`, which Vercel's edge overwrites on every request;
 * - `'cloudflare'`: `cf-connecting-ip`;
 * - `{ hops: n }`: `n` proxies you run append to `X-Forwarded-For`; the n-th entry from the
 *   right is the client, and anything a client wrote sits further left and is ignored;
 * - `{ header }`: a single header your proxy sets and clients cannot pass through.
 */
export type TrustedProxy = 'vercel' | 'cloudflare' | { hops: number } | { header: string }

export type NextRateLimitOptions = {
  limiter: Ratelimit
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

function checkTrustedProxy(trusted: TrustedProxy | undefined): void {
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

function prepare(options: NextRateLimitOptions) {
  checkTrustedProxy(options.trustedProxy)
  const windowSeconds = policyWindowSeconds(options.limiter.limiter)
  return async (request: Request) => {
    const custom = options.key ? await options.key(request) : undefined
    const identifier = requireIdentifier(
      custom ?? clientAddressFromHeaders(request.headers, options.trustedProxy),
    )
    const result = await options.limiter.limit(
      identifier,
      (await options.limitOptions?.(request)) ?? {},
    )
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
 * export const proxy = rateLimitProxy({ limiter, trustedProxy: 'vercel' })
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
 * export const POST = withRateLimit(async (request) => Response.json(await create(request)), { limiter, key })
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
