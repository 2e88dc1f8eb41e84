import { createMemoryRedis } from '@hotpath/redis/memory'
import { awayFromWindowEdge } from '@hotpath/test-redis'
import { Hono } from 'hono'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { RatelimitError } from '../src/errors'
import { type RateLimiterOptions, rateLimiter } from '../src/hono'
import { Ratelimit } from '../src/index'
import { uniquePrefix } from './fixtures'

const redis = createMemoryRedis()
afterAll(() => redis.close())
// one-minute windows on the real clock: keep each test inside one window
beforeEach(() => awayFromWindowEdge(60_000))

function app(options: Partial<Omit<RateLimiterOptions, 'ratelimit' | 'limiter'>> = {}, limit = 2) {
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(limit, '1 m'),
    prefix: uniquePrefix(),
  })
  const hono = new Hono()
  hono.use('/api/*', rateLimiter({ ratelimit: limiter, ...options }))
  hono.get('/api/ping', (c) => c.text('pong'))
  hono.get('/api/raw', () => new Response('raw', { headers: { 'content-type': 'text/plain' } }))
  return hono
}

/** What @hono/node-server puts in `c.env`: the Node request, whose socket has the peer address. */
const fromSocket = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } })

describe('rateLimiter() for Hono', () => {
  it('sets the rate limit headers on admitted responses and answers 429 with Retry-After', async () => {
    const hono = app()
    const env = fromSocket('198.51.100.7')
    const first = await hono.request('/api/ping', {}, env)
    expect(first.status).toBe(200)
    expect(await first.text()).toBe('pong')
    const reset = Number(first.headers.get('X-RateLimit-Reset'))
    const secondsLeft = Math.ceil(reset - Date.now() / 1000)
    expect(Object.fromEntries(first.headers)).toMatchObject({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'ratelimit-policy': '"default";q=2;w=60',
    })
    expect(first.headers.get('ratelimit')).toMatch(/^"default";r=1;t=\d+$/)
    expect(secondsLeft).toBeGreaterThan(0)
    expect(secondsLeft).toBeLessThanOrEqual(60)
    expect(first.headers.get('retry-after')).toBeNull()

    expect((await hono.request('/api/raw', {}, env)).headers.get('x-ratelimit-remaining')).toBe('0')
    const refused = await hono.request('/api/ping', {}, env)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(reset))
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(refused.headers.get('ratelimit')).toBe(`"default";r=0;t=${retryAfter}`)
    expect(await refused.json()).toMatchObject({ error: 'Too Many Requests' })
  })

  it('a forged X-Forwarded-For does not buy a fresh quota without trusted proxies', async () => {
    const hono = app({}, 1)
    const env = fromSocket('198.51.100.7')
    expect((await hono.request('/api/ping', {}, env)).status).toBe(200)
    for (const forged of ['1.1.1.1', '2.2.2.2, 3.3.3.3', 'garbage']) {
      const res = await hono.request('/api/ping', { headers: { 'x-forwarded-for': forged } }, env)
      expect(res.status).toBe(429)
    }
    // another peer is another client
    expect((await hono.request('/api/ping', {}, fromSocket('198.51.100.8'))).status).toBe(200)
  })

  it('IPv4-mapped IPv6 and plain IPv4 peers are one client', async () => {
    const hono = app({}, 1)
    expect((await hono.request('/api/ping', {}, fromSocket('::ffff:198.51.100.9'))).status).toBe(
      200,
    )
    expect((await hono.request('/api/ping', {}, fromSocket('198.51.100.9'))).status).toBe(429)
  })

  it('behind a trusted proxy the client is the first untrusted hop from the right; entries left of it are ignored', async () => {
    const hono = app({ trustedProxy: ['10.0.0.0/8', 'loopback'] }, 1)
    const proxy = fromSocket('10.1.2.3')
    const via = (xff: string) =>
      hono.request('/api/ping', { headers: { 'x-forwarded-for': xff } }, proxy)
    expect((await via('203.0.113.5')).status).toBe(200)
    // the client prepends forged entries: still 203.0.113.5, appended by our proxy chain
    expect((await via('6.6.6.6, 203.0.113.5')).status).toBe(429)
    expect((await via('7.7.7.7, 203.0.113.5, 127.0.0.1')).status).toBe(429)
    expect((await via('203.0.113.6')).status).toBe(200)
    // an untrusted peer's header is not read at all
    const direct = await hono.request(
      '/api/ping',
      { headers: { 'x-forwarded-for': '203.0.113.77' } },
      fromSocket('198.51.100.20'),
    )
    expect(direct.status).toBe(200)
    const again = await hono.request(
      '/api/ping',
      { headers: { 'x-forwarded-for': '203.0.113.78' } },
      fromSocket('198.51.100.20'),
    )
    expect(again.status).toBe(429)
  })

  it("trustedProxy 'cloudflare' reads cf-connecting-ip, as the Next.js middleware does", async () => {
    const hono = app({ trustedProxy: 'cloudflare' }, 1)
    const from = (ip: string) =>
      hono.request('/api/ping', { headers: { 'cf-connecting-ip': ip } }, fromSocket('10.9.9.9'))
    expect((await from('203.0.113.5')).status).toBe(200)
    expect((await from('203.0.113.5')).status).toBe(429)
    expect((await from('203.0.113.6')).status).toBe(200)
  })

  it('the old spellings `limiter` and `trustedProxies` still work', async () => {
    const ratelimit = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(1, '1 m'),
      prefix: uniquePrefix(),
    })
    const hono = new Hono()
    hono.use('/api/*', rateLimiter({ limiter: ratelimit, trustedProxies: ['10.0.0.0/8'] }))
    hono.get('/api/ping', (c) => c.text('pong'))
    const via = (xff: string) =>
      hono.request('/api/ping', { headers: { 'x-forwarded-for': xff } }, fromSocket('10.1.2.3'))
    expect((await via('203.0.113.5')).status).toBe(200)
    expect((await via('203.0.113.5')).status).toBe(429)
    expect((await via('203.0.113.6')).status).toBe(200)
  })

  it('without a Ratelimit it fails at creation with E_OPTION_INVALID', () => {
    expect(() => rateLimiter({} as never)).toThrow(
      expect.objectContaining({ code: 'E_OPTION_INVALID' }),
    )
  })

  it('a key function counts users instead of addresses, and limitOptions carries a tier', async () => {
    const hono = app(
      {
        key: (c) => c.req.header('x-user'),
        limitOptions: (c) => (c.req.header('x-user') === 'pro' ? { limit: 5 } : {}),
      },
      1,
    )
    const as = (user: string) =>
      hono.request('/api/ping', { headers: { 'x-user': user } }, fromSocket('198.51.100.30'))
    expect((await as('alice')).status).toBe(200)
    expect((await as('alice')).status).toBe(429)
    expect((await as('bob')).status).toBe(200)
    const pro = await as('pro')
    expect(pro.headers.get('x-ratelimit-limit')).toBe('5')
  })

  it('without a connection address or key, the request fails loudly instead of sharing one bucket', async () => {
    const hono = app()
    let caught: unknown
    hono.onError((error, c) => {
      caught = error
      return c.text('error', 500)
    })
    expect((await hono.request('/api/ping')).status).toBe(500)
    expect(caught).toBeInstanceOf(RatelimitError)
    expect((caught as RatelimitError).code).toBe('E_CLIENT_UNKNOWN')
  })

  it('a bad trusted proxy entry fails at creation', () => {
    expect(() => app({ trustedProxy: ['10.0.0.0/33'] })).toThrow(/trustedProxy/)
    expect(() => app({ trustedProxy: { hops: 0 } })).toThrow(/trustedProxy/)
  })

  it('an outer limiter keeps the headers of the inner limiter that refused the request', async () => {
    const limiterOf = (limit: number) =>
      new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(limit, '1 m'), prefix: uniquePrefix() })
    const hono = new Hono()
    hono.use('/api/*', rateLimiter({ ratelimit: limiterOf(100) }))
    hono.use('/api/strict', rateLimiter({ ratelimit: limiterOf(1) }))
    hono.get('/api/strict', (c) => c.text('ok'))
    const env = fromSocket('198.51.100.9')
    const allowed = await hono.request('/api/strict', {}, env)
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('X-RateLimit-Limit')).toBe('100')
    const refused = await hono.request('/api/strict', {}, env)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('X-RateLimit-Limit')).toBe('1')
    expect(refused.headers.get('X-RateLimit-Remaining')).toBe('0')
  })
})
