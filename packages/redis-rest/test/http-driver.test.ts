import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RedisError } from '@hotpath/redis'
import { createHttpRedis } from '@hotpath/redis/http'
import { redisTargets, startRedis } from '@hotpath/test-redis'
import { afterEach, describe, expect, it } from 'vitest'
import { keyPrefix, READ_ONLY_TOKEN, restServer, TOKEN } from './fixtures'

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup().catch(() => undefined)))
})

/**
 * A canned HTTP server, only for the faults a real REST server cannot be made to show: a
 * held reply, a proxy's HTML page, a reset socket, a stream cut short.
 */
async function cannedServer(handler: Handler) {
  const seen: { path: string; body: string; headers: IncomingMessage['headers'] }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body, headers: req.headers })
      handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  )
  return { url: `http://127.0.0.1:${port}`, seen }
}

function client(
  url: string,
  extra: Parameters<typeof createHttpRedis>[0] extends infer O ? Partial<O> : never = {},
) {
  const redis = createHttpRedis({ url, token: TOKEN, timeoutMs: 5000, ...extra })
  cleanups.push(() => redis.close())
  return redis
}

async function rejection(promise: Promise<unknown>): Promise<RedisError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  if (!(error instanceof RedisError)) throw new Error(`expected a RedisError, got ${String(error)}`)
  return error
}

describe('the http driver (@hotpath/redis/http) through redis-rest', () => {
  it('sends commands issued in one tick as one HTTP request, each settling on its own', async () => {
    await using server = await restServer()
    const redis = client(server.url)
    const prefix = keyPrefix()
    await redis.set(`${prefix}k`, 'v')
    await redis.hset(`${prefix}h`, { f: '1' })
    const before = server.requests
    const replies = await Promise.allSettled([
      ...Array.from({ length: 98 }, () => redis.get(`${prefix}k`)),
      redis.incr(`${prefix}h`),
      redis.hget(`${prefix}h`, 'f'),
    ])
    expect(server.requests - before).toBe(1)
    expect(replies.slice(0, 98).every((r) => r.status === 'fulfilled' && r.value === 'v')).toBe(
      true,
    )
    expect(replies[98]).toMatchObject({ status: 'rejected', reason: { code: 'E_COMMAND' } })
    expect(replies[99]).toEqual({ status: 'fulfilled', value: '1' })
    expect(redis.breaker).toBe('closed')
  })

  it('a wrong token rejects with E_UNAUTHORIZED, is not retried and does not open the breaker', async () => {
    await using server = await restServer()
    const redis = createHttpRedis({ url: server.url, token: 'wrong', breakerThreshold: 2 })
    cleanups.push(() => redis.close())
    const before = server.requests
    for (let i = 0; i < 3; i++) {
      expect(await rejection(redis.get('k'))).toMatchObject({ code: 'E_UNAUTHORIZED' })
    }
    expect(server.requests - before).toBe(3)
    expect(redis.breaker).toBe('closed')
  })

  it('a write with a read-only token rejects with E_COMMAND and the server’s NOPERM', async () => {
    await using server = await restServer({ redis: 'memory://' })
    const redis = createHttpRedis({ url: server.url, token: READ_ONLY_TOKEN })
    cleanups.push(() => redis.close())
    expect(await redis.get(`${keyPrefix()}k`)).toBeNull()
    const error = await rejection(redis.set(`${keyPrefix()}k`, 'v'))
    expect(error.code).toBe('E_COMMAND')
    expect(error.message).toMatch(/^NOPERM/)
  })

  it('counts the server’s 503 while Redis is down as a transport failure, so the breaker opens', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    await using server = await restServer({ redis: redis.url })
    const http = client(server.url, { breakerThreshold: 3 })
    await http.set('k', 'v')
    process.kill(redis.pid, 'SIGKILL')
    await redis.stop()
    const single = await rejection(http.get('k'))
    expect(single).toMatchObject({ code: 'E_CONNECTION', message: 'ERR redis is unavailable' })
    const batched = await Promise.allSettled([http.get('k'), http.get('k')])
    expect(batched.map((r) => r.status === 'rejected' && r.reason.code)).toEqual([
      'E_CONNECTION',
      'E_CONNECTION',
    ])
    expect(http.breaker).toBe('open')
    expect(await rejection(http.get('k'))).toMatchObject({ code: 'E_CIRCUIT_OPEN' })
  })

  it('reads its own writes: each request carries the newest upstash-sync-token', async () => {
    let token = 0
    const canned = await cannedServer((_req, res) => {
      token++
      res.writeHead(200, {
        'content-type': 'application/json',
        'upstash-sync-token': String(token),
      })
      res.end(JSON.stringify({ result: 'OK' }))
    })
    const redis = client(canned.url)
    await redis.set('a', '1')
    await redis.set('b', '2')
    expect(canned.seen.map((s) => s.headers['upstash-sync-token'])).toEqual([undefined, '1'])
    expect(canned.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('sends a batch while an earlier one still waits for its reply', async () => {
    let release: (() => void) | undefined
    const canned = await cannedServer((_req, res, body) => {
      const reply = () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ result: JSON.parse(body)[1] }))
      }
      if (body.includes('"slow"')) release = reply
      else reply()
    })
    const redis = client(canned.url)
    const slow = redis.get('slow')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await redis.get('fast')).toBe('fast')
    expect(release).toBeDefined()
    release?.()
    expect(await slow).toBe('slow')
  })

  it('abandons a request the server never answers, so its socket serves the next call', async () => {
    const canned = await cannedServer((_req, res, body) => {
      if (body.includes('"hang"')) return
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ result: 'ok' }))
    })
    const redis = client(canned.url, {
      connections: 1,
      requestTimeoutMs: 300,
      timeoutMs: 200,
      retries: 0,
    })
    expect(await rejection(redis.get('hang'))).toMatchObject({ code: 'E_TIMEOUT' })
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(await redis.get('ok')).toBe('ok')
  })

  it('maps a non-JSON 502 page to E_CONNECTION, which the breaker counts', async () => {
    const canned = await cannedServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end('<html>Bad Gateway</html>')
    })
    const redis = client(canned.url, { retries: 0, breakerThreshold: 2 })
    const error = await rejection(redis.get('k'))
    expect(error.code).toBe('E_CONNECTION')
    expect(error.message).toContain('not JSON')
    await rejection(redis.get('k'))
    expect(redis.breaker).toBe('open')
  })

  it('a connection reset mid-batch retries GET but never INCR, whose outcome is unknown', async () => {
    let resets = 1
    const canned = await cannedServer((req, res, body) => {
      if (resets > 0) {
        resets--
        req.socket.destroy()
        return
      }
      const commands = body.startsWith('[[') ? JSON.parse(body) : [JSON.parse(body)]
      const results = commands.map((c: string[]) => ({ result: c[0] === 'INCR' ? 1 : 'v' }))
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body.startsWith('[[') ? results : results[0]))
    })
    const redis = client(canned.url, { retries: 2, retryBackoffMs: 1 })
    const [get, incr] = await Promise.allSettled([redis.get('k'), redis.incr('n')])
    expect(get).toEqual({ status: 'fulfilled', value: 'v' })
    expect(incr).toMatchObject({ status: 'rejected', reason: { code: 'E_CONNECTION' } })
    expect(canned.seen.filter((s) => s.body.includes('INCR'))).toHaveLength(1)
  })

  it('rejects SUBSCRIBE with E_CONNECTION when the event stream ends before the confirmation', async () => {
    const canned = await cannedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end(': keep-alive\n\n')
    })
    const redis = client(canned.url)
    const error = await rejection(redis.subscribe('ch', () => {}))
    expect(error).toMatchObject({ code: 'E_CONNECTION', command: 'SUBSCRIBE' })
  })

  it('reopens a subscription whose event stream ended after the confirmation', async () => {
    let streams = 0
    const canned = await cannedServer((_req, res) => {
      streams++
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: subscribe,ch,1\n\n')
      // the first stream is cut by a "proxy"; the second one carries a message
      if (streams === 1) res.end()
      else res.write('data: message,ch,after the cut\n\n')
    })
    const redis = client(canned.url)
    const received: string[] = []
    const stop = await redis.subscribe('ch', (message) => received.push(message))
    const deadline = Date.now() + 3000
    while (received.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(received).toEqual(['after the cut'])
    expect(streams).toBe(2)
    await stop()
  })

  it('delivers messages with commas and a BOM as published, until unsubscribed', async () => {
    await using server = await restServer({ redis: redisTargets().standalone.url })
    const redis = client(server.url)
    const channel = `${keyPrefix()}a,b`
    const received: string[] = []
    const stop = await redis.subscribe(channel, (message) => received.push(message))
    await redis.publish(channel, '\ufeffx,y,z')
    const deadline = Date.now() + 3000
    while (received.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(received).toEqual(['\ufeffx,y,z'])
    await stop()
  })

  it('refuses a malformed URL, token or pool size with E_OPTION_INVALID', () => {
    for (const options of [
      { url: 'not a url', token: 't' },
      { url: 'redis://127.0.0.1:6379', token: 't' },
      { url: 'http://127.0.0.1:1', token: '' },
      { url: 'http://127.0.0.1:1', token: 'two words' },
      { url: 'http://127.0.0.1:1', token: 't', connections: 0 },
      { url: 'http://127.0.0.1:1', token: 't', requestTimeoutMs: -1 },
    ]) {
      let error: unknown
      try {
        createHttpRedis(options)
      } catch (caught) {
        error = caught
      }
      expect(error).toMatchObject({ code: 'E_OPTION_INVALID' })
    }
  })
})
