import { createMemoryRedis } from '@hotpath/redis/memory'
import { awayFromWindowEdge } from '@hotpath/test-redis'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { Ratelimit } from '../src/index'
import { clientAddressFromHeaders, rateLimitProxy, withRateLimit } from '../src/next'
import { uniquePrefix } from './fixtures'

const redis = createMemoryRedis()
afterAll(() => redis.close())
// 10-second windows on the real clock: keep each test inside one window
beforeEach(() => awayFromWindowEdge(10_000, 2000))

const limiter = (limit: number) =>
  new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(limit, '10 s'), prefix: uniquePrefix() })

const request = (headers: Record<string, string>) =>
  new Request('http://localhost/api/items', { headers })

describe('@hotpath/ratelimit/next', () => {
  it('withRateLimit adds the headers to the handler response and answers 429 itself', async () => {
    let calls = 0
    const GET = withRateLimit(
      async () => {
        calls++
        return Response.json({ ok: true })
      },
      { ratelimit: limiter(1), trustedProxy: 'vercel' },
    )
    const ok = await GET(request({ 'x-real-ip': '203.0.113.1' }), {})
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-ratelimit-limit')).toBe('1')
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(ok.headers.get('ratelimit-policy')).toBe('"default";q=1;w=10')
    const refused = await GET(request({ 'x-real-ip': '203.0.113.1' }), {})
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(calls).toBe(1)
  })

  it('a fetch() response with immutable headers still gets the rate limit headers', async () => {
    const upstream = await fetch('data:text/plain,hello')
    const GET = withRateLimit(() => upstream, { ratelimit: limiter(5), key: () => 'user-1' })
    const res = await GET(request({}), {})
    expect(await res.text()).toBe('hello')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4')
  })

  it('rateLimitProxy lets admitted requests through with headers and refuses with 429', async () => {
    const proxy = rateLimitProxy({
      ratelimit: limiter(1),
      trustedProxy: 'cloudflare',
      policy: 'api',
    })
    const pass = await proxy(request({ 'cf-connecting-ip': '2001:db8::1' }))
    expect(pass.headers.get('x-middleware-next')).toBe('1')
    expect(pass.headers.get('ratelimit-policy')).toBe('"api";q=1;w=10')
    expect((await proxy(request({ 'cf-connecting-ip': '2001:DB8:0::1' }))).status).toBe(429)
  })

  it('with { hops } only the entry our own proxies appended identifies the client', () => {
    const headers = new Headers({ 'x-forwarded-for': 'forged, 198.51.100.4, 10.0.0.2' })
    expect(clientAddressFromHeaders(headers, { hops: 2 })).toBe('198.51.100.4')
    expect(clientAddressFromHeaders(headers, { hops: 1 })).toBe('10.0.0.2')
    expect(
      clientAddressFromHeaders(new Headers({ 'x-forwarded-for': '1.2.3.4' }), { hops: 2 }),
    ).toBeUndefined()
    // without a trusted proxy no header is believed
    expect(
      clientAddressFromHeaders(new Headers({ 'x-real-ip': '1.2.3.4' }), undefined),
    ).toBeUndefined()
  })

  it('a spoofed X-Forwarded-For on Vercel does not change the identifier', async () => {
    const GET = withRateLimit(() => new Response('ok'), {
      ratelimit: limiter(1),
      trustedProxy: 'vercel',
    })
    expect(
      (await GET(request({ 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '1.1.1.1' }), {})).status,
    ).toBe(200)
    expect(
      (await GET(request({ 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '2.2.2.2' }), {})).status,
    ).toBe(429)
  })

  it('without trustedProxy or key the handler rejects with E_CLIENT_UNKNOWN', async () => {
    const GET = withRateLimit(() => new Response('ok'), { ratelimit: limiter(1) })
    await expect(GET(request({ 'x-forwarded-for': '1.2.3.4' }), {})).rejects.toMatchObject({
      code: 'E_CLIENT_UNKNOWN',
    })
  })
})
