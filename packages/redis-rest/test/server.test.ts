import { EventEmitter } from 'node:events'
import { rawCommand, redisTargets, startRedis } from '@hotpath/test-redis'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { parseCliArgs, runCli } from '../src/cli-main'
import { createRestServer, DEFAULT_DENY_LIST, errors, RestServerError } from '../src/index'
import { call, command, keyPrefix, restServer, TOKEN } from './fixtures'

describe('createRestServer()', () => {
  it('runs inside another Hono app under a mount path', async () => {
    const rest = createRestServer({ redis: redisTargets().standalone.url, token: TOKEN })
    const app = new Hono()
    app.get('/health', (c) => c.text('ok'))
    app.mount('/redis', rest.fetch)
    const k = `${keyPrefix()}mounted`
    const set = await app.request('/redis/', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(['SET', k, 'v']),
    })
    expect(await set.json()).toEqual({ result: 'OK' })
    const get = await app.request(`/redis/get/${k}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(await get.json()).toEqual({ result: 'v' })
    expect(await (await app.request('/health')).text()).toBe('ok')
    expect(rest.requests).toBe(2)
    await rest.close()
  })

  it('the fetch handler refuses oversized bodies (413), answers HEAD without a body, and checks the token', async () => {
    const rest = createRestServer({ redis: 'memory://', token: TOKEN, maxBodyBytes: 64 })
    const auth = { authorization: `Bearer ${TOKEN}` }
    const big = JSON.stringify(['SET', 'k', 'x'.repeat(100)])
    const announced = await rest.fetch(
      new Request('http://x/', { method: 'POST', headers: auth, body: big }),
    )
    expect(announced.status).toBe(413)
    expect(await announced.json()).toEqual({ error: 'ERR request body exceeds 64 bytes' })
    const streamed = await rest.fetch(
      new Request('http://x/', {
        method: 'POST',
        headers: auth,
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(big.slice(0, 50)))
            controller.enqueue(new TextEncoder().encode(big.slice(50)))
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit),
    )
    expect(streamed.status).toBe(413)
    const head = await rest.fetch(new Request('http://x/ping', { method: 'HEAD', headers: auth }))
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const viaQuery = await rest.fetch(new Request(`http://x/echo/a%2Fb?_token=${TOKEN}`))
    expect(await viaQuery.json()).toEqual({ result: 'a/b' })
    expect((await rest.fetch(new Request('http://x/ping'))).status).toBe(401)
    const pipeline = await rest.fetch(
      new Request('http://x/pipeline', {
        method: 'POST',
        headers: { ...auth, 'upstash-encoding': 'base64' },
        body: JSON.stringify([['SET', 'k', 'v'], ['GET', 'k'], ['NOPE']]),
      }),
    )
    expect(await pipeline.json()).toEqual([
      { result: 'OK' },
      { result: Buffer.from('v').toString('base64') },
      { error: expect.stringMatching(/^ERR unknown command/) },
    ])
    expect(pipeline.headers.get('upstash-sync-token')).toBe('1')
    await rest.close()
  })

  it('answers 503 after close()', async () => {
    const rest = createRestServer({ redis: 'memory://', token: TOKEN })
    await rest.close()
    const response = await rest.fetch(
      new Request('http://x/', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '["PING"]',
      }),
    )
    expect(response.status).toBe(503)
  })

  it('rejects invalid options with E_OPTION_INVALID', () => {
    const invalid = [
      { redis: 'memory://', token: '' },
      { redis: 'memory://', token: 't', readOnlyToken: 't' },
      { redis: 'http://127.0.0.1:6379', token: 't' },
      { redis: 'not a url', token: 't' },
      { redis: 'memory://', token: 't', poolSize: 0 },
      { redis: { nodes: [] }, token: 't' },
    ]
    for (const options of invalid) {
      expect(() => createRestServer(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: errors.E_OPTION_INVALID }),
      )
    }
  })

  it('counts every request, refused ones included', async () => {
    await using server = await restServer()
    await command(server.url, ['PING'])
    await command(server.url, ['PING'], { token: 'wrong' })
    await call(server.url, '/', { method: 'DELETE' })
    expect(server.requests).toBe(3)
  })
})

describe('logging', () => {
  it('logs one debug line per request without the token, keys or values', async () => {
    const lines: string[] = []
    await using server = await restServer({ logger: { debug: (line) => lines.push(line) } })
    const k = `${keyPrefix()}secret-key`
    await command(server.url, ['SET', k, 'secret-value'])
    await call(server.url, `/get/${k}?_token=${TOKEN}`, { method: 'GET', token: null })
    await call(server.url, '/pipeline', {
      body: JSON.stringify([
        ['GET', k],
        ['TTL', k],
      ]),
    })
    await command(server.url, ['GET', k], { token: 'wrong-token' })
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^POST \/ SET 200 \d+\.\dms$/)
    expect(lines[1]).toMatch(/^GET \/<command> GET 200 /)
    expect(lines[2]).toMatch(/^POST \/pipeline GET,TTL 200 /)
    expect(lines[3]).toMatch(/^POST \/ - 401 /)
    for (const line of lines) {
      for (const secret of [TOKEN, 'wrong-token', 'secret-key', 'secret-value']) {
        expect(line).not.toContain(secret)
      }
    }
  })
})

describe('startRestServer().close()', () => {
  it('drains an in-flight request before closing Redis and refuses new connections', async () => {
    await using redis = await startRedis()
    const server = await restServer({ redis: redis.url })
    expect((await command(server.url, ['PING'])).status).toBe(200)
    await rawCommand(redis.port, ['CLIENT', 'PAUSE', '400', 'ALL'])
    const inFlight = command(server.url, ['SET', 'drained', 'yes'])
    await new Promise((resolve) => setTimeout(resolve, 100))
    await server.close()
    expect(await inFlight).toMatchObject({ status: 200, json: { result: 'OK' } })
    await expect(command(server.url, ['PING'])).rejects.toThrow()
    expect(await rawCommand(redis.port, ['GET', 'drained'])).toBe('$3\r\nyes\r\n')
  })
})

describe('CLI', () => {
  it('reads flags before environment variables', () => {
    const config = parseCliArgs(['--token', 'flag-token', '--port', '0', '--deny', 'GET, SET'], {
      HOTPATH_REST_TOKEN: 'env-token',
      HOTPATH_REST_READ_ONLY_TOKEN: 'env-ro',
      REDIS_URL: 'redis://10.0.0.1:6380',
      HOTPATH_REST_POOL_SIZE: '8',
    })
    expect(config).toMatchObject({
      options: {
        token: 'flag-token',
        readOnlyToken: 'env-ro',
        redis: 'redis://10.0.0.1:6380',
        port: 0,
        host: '127.0.0.1',
        poolSize: 8,
        denyList: ['GET', 'SET'],
      },
      logLevel: 'info',
    })
    expect(parseCliArgs(['--token', 't'], {})).toMatchObject({
      options: { redis: 'redis://127.0.0.1:6379', port: 8079, denyList: DEFAULT_DENY_LIST },
    })
  })

  it('reads the ACL mode, or provisioned users with their passwords from the environment', () => {
    expect(parseCliArgs(['--token', 't'], {})).toMatchObject({ options: { acl: 'auto' } })
    expect(parseCliArgs(['--token', 't', '--acl', 'require'], {})).toMatchObject({
      options: { acl: 'require' },
    })
    expect(
      parseCliArgs(['--token', 't', '--acl-user', 'app-rw'], {
        HOTPATH_REST_ACL_READ_ONLY_USER: 'app-ro',
        HOTPATH_REST_ACL_PASSWORD: 'rw-secret',
        HOTPATH_REST_ACL_READ_ONLY_PASSWORD: 'ro-secret',
      }),
    ).toMatchObject({
      options: {
        acl: {
          readWrite: { username: 'app-rw', password: 'rw-secret' },
          readOnly: { username: 'app-ro', password: 'ro-secret' },
        },
      },
    })
    for (const argv of [
      ['--token', 't', '--acl', 'sometimes'],
      ['--token', 't', '--acl', 'off', '--acl-user', 'u'],
      ['--token', 't', '--acl-read-only-user', 'u'],
    ]) {
      expect(() => parseCliArgs(argv, {})).toThrow(RestServerError)
    }
  })

  it('refuses to start without a token, or with an unknown flag or a bad number', () => {
    for (const argv of [[], ['--token', 't', '--nope'], ['--token', 't', '--port', 'abc']]) {
      expect(() => parseCliArgs(argv, {})).toThrow(RestServerError)
    }
  })

  it('prints a ready line, logs requests at debug, and drains on SIGTERM', async () => {
    await using redis = await startRedis()
    const out: string[] = []
    const err: string[] = []
    const signals = new EventEmitter()
    const run = await runCli(
      ['--redis', redis.url, '--port', '0', '--log-level', 'debug'],
      { HOTPATH_REST_TOKEN: 'cli-token' },
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t), signals },
    )
    if (run === 'help') throw new Error('unexpected help')
    expect(out.join('')).toMatch(
      new RegExp(
        `^hotpath-redis-rest ready on ${run.server.url} \\(redis redis://127.0.0.1:${redis.port}\\)\\n$`,
      ),
    )
    await rawCommand(redis.port, ['CLIENT', 'PAUSE', '300', 'ALL'])
    const inFlight = command(run.server.url, ['SET', 'cli', 'v'], { token: 'cli-token' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    signals.emit('SIGTERM')
    await run.stopped
    expect((await inFlight).status).toBe(200)
    const log = err.join('')
    expect(log).toMatch(/ debug POST \/ SET 200 /)
    expect(log).toMatch(/ info SIGTERM: draining in-flight requests\n/)
    expect(log).toMatch(/ info stopped\n/)
    expect(log).not.toContain('cli-token')
  })
})
