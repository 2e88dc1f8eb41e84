import { rawCommand, startRedis } from '@hotpath/test-redis'
import { describe, expect, it } from 'vitest'
import { call, command, keyPrefix, READ_ONLY_TOKEN, restServer, TOKEN } from './fixtures'

const b64 = (text: string) => Buffer.from(text).toString('base64')
const ttlOf = (json: unknown) => (json as { result: number }).result

describe('commands over POST /', () => {
  it('runs a JSON command and answers { result }', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}k`
    const set = await command(server.url, ['SET', k, 'v', 'EX', 100])
    expect(set.status).toBe(200)
    expect(set.json).toEqual({ result: 'OK' })
    expect(await command(server.url, ['get', k])).toMatchObject({ json: { result: 'v' } })
    expect(ttlOf((await command(server.url, ['TTL', k])).json)).toBeGreaterThan(90)
  })

  it('answers a failed command with 400 and the Redis error', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}list`
    await command(server.url, ['LPUSH', k, 'a'])
    const wrongType = await command(server.url, ['GET', k])
    expect(wrongType.status).toBe(400)
    expect(wrongType.json).toEqual({ error: expect.stringMatching(/^WRONGTYPE/) })
    const unknown = await command(server.url, ['NOSUCHCOMMAND', 'x'])
    expect(unknown.status).toBe(400)
    expect(unknown.json).toEqual({ error: expect.stringMatching(/^ERR unknown command/) })
  })

  it('answers malformed JSON, a non-array body and non-scalar arguments with 400', async () => {
    await using server = await restServer()
    for (const body of [
      '{not json',
      '{"a":1}',
      '[]',
      '[["GET","k"]]',
      '["GET",{"a":1}]',
      '["GET",null]',
    ]) {
      const response = await call(server.url, '/', { body })
      expect(response.status, body).toBe(400)
      expect(response.json, body).toEqual({ error: expect.stringMatching(/^ERR /) })
    }
  })

  it('accepts numbers and booleans as arguments, as the SDK sends them', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}n`
    await command(server.url, ['SET', k, true])
    expect((await command(server.url, ['GET', k])).json).toEqual({ result: 'true' })
    await command(server.url, ['SET', k, 41])
    expect((await command(server.url, ['INCRBY', k, 1])).json).toEqual({ result: 42 })
  })

  it('refuses connection-state commands with 400, since the pool is shared', async () => {
    await using server = await restServer()
    for (const name of ['MULTI', 'SELECT', 'SUBSCRIBE', 'WATCH']) {
      const response = await command(server.url, [name, '1'])
      expect(response.status, name).toBe(400)
      expect(response.json).toEqual({ error: `ERR ${name} is not supported over REST` })
    }
  })
})

describe('path-style commands', () => {
  it('runs GET /set/k/v and GET /get/k as Upstash documents them', async () => {
    await using server = await restServer()
    const k = encodeURIComponent(`${keyPrefix()}path key`)
    expect((await call(server.url, `/set/${k}/hello%2Fworld`, { method: 'GET' })).json).toEqual({
      result: 'OK',
    })
    expect((await call(server.url, `/get/${k}`, { method: 'GET' })).json).toEqual({
      result: 'hello/world',
    })
  })

  it('appends a POSTed body as the last argument and query parameters after it', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}body`
    const set = await call(server.url, `/set/${k}?EX=100`, { body: '{"json":true}' })
    expect(set.json).toEqual({ result: 'OK' })
    expect((await command(server.url, ['GET', k])).json).toEqual({ result: '{"json":true}' })
    expect(ttlOf((await command(server.url, ['TTL', k])).json)).toBeGreaterThan(90)
  })

  it('keeps a binary body byte for byte and returns it in base64', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}bin`
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0a])
    await call(server.url, `/set/${k}`, { body: bytes })
    const got = await command(server.url, ['GET', k], { base64: true })
    expect(Buffer.from(got.json ? (got.json as { result: string }).result : '', 'base64')).toEqual(
      bytes,
    )
  })
})

describe('authentication', () => {
  it('answers 401 without a token and with a wrong one', async () => {
    await using server = await restServer()
    expect((await command(server.url, ['PING'], { token: null })).status).toBe(401)
    expect((await command(server.url, ['PING'], { token: 'wrong' })).status).toBe(401)
    const sameLength = TOKEN.replace(/.$/, 'X')
    const wrong = await command(server.url, ['PING'], { token: sameLength })
    expect(wrong.status).toBe(401)
    expect(wrong.json).toEqual({ error: expect.stringMatching(/^ERR unauthorized/) })
  })

  it('accepts the token as the _token query parameter', async () => {
    await using server = await restServer()
    const response = await call(server.url, `/ping?_token=${TOKEN}`, { method: 'GET', token: null })
    expect(response).toMatchObject({ status: 200, json: { result: 'PONG' } })
  })
})

describe('HTTP methods', () => {
  it('answers 405 to methods other than GET, HEAD, POST and PUT', async () => {
    await using server = await restServer()
    for (const method of ['DELETE', 'PATCH']) {
      const response = await call(server.url, '/get/k', { method })
      expect(response.status, method).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST, PUT')
    }
  })

  it('answers HEAD like GET, without a body', async () => {
    await using server = await restServer()
    const response = await call(server.url, '/ping', { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.text).toBe('')
  })

  it('refuses the RESP2 response format with 400 instead of answering JSON', async () => {
    await using server = await restServer()
    const response = await command(server.url, ['PING'], {
      headers: { 'upstash-response-format': 'resp2' },
    })
    expect(response.status).toBe(400)
  })

  it('answers 405 to GET /pipeline and GET /multi-exec', async () => {
    await using server = await restServer()
    expect((await call(server.url, '/pipeline', { method: 'GET' })).status).toBe(405)
    expect((await call(server.url, '/multi-exec', { method: 'GET' })).status).toBe(405)
  })
})

describe('Upstash-Encoding: base64', () => {
  it('encodes every string, nested ones too, but not a top-level OK', async () => {
    await using server = await restServer()
    const p = keyPrefix()
    expect((await command(server.url, ['SET', `${p}a`, 'OK'], { base64: true })).json).toEqual({
      result: 'OK',
    })
    await command(server.url, ['SET', `${p}b`, 'héllo'])
    expect((await command(server.url, ['GET', `${p}b`], { base64: true })).json).toEqual({
      result: b64('héllo'),
    })
    // In an array the SDK decodes every string, so a value "OK" is encoded there.
    expect(
      (await command(server.url, ['MGET', `${p}a`, `${p}b`, `${p}none`], { base64: true })).json,
    ).toEqual({
      result: [b64('OK'), b64('héllo'), null],
    })
    const nested = await command(server.url, ['EVAL', "return {1, 'x', {'y', 2}}", 0], {
      base64: true,
    })
    expect(nested.json).toEqual({ result: [1, b64('x'), [b64('y'), 2]] })
    expect((await command(server.url, ['INCR', `${p}n`], { base64: true })).json).toEqual({
      result: 1,
    })
  })

  it('sends strings as they are without the header', async () => {
    await using server = await restServer()
    const p = keyPrefix()
    await command(server.url, ['RPUSH', `${p}l`, 'a', 'b'])
    expect((await command(server.url, ['LRANGE', `${p}l`, 0, -1])).json).toEqual({
      result: ['a', 'b'],
    })
  })
})

describe('POST /pipeline', () => {
  it('answers one { result } or { error } per command, in order, with 200', async () => {
    await using server = await restServer()
    const p = keyPrefix()
    const response = await call(server.url, '/pipeline', {
      body: JSON.stringify([
        ['SET', `${p}a`, 'x'],
        ['INCR', `${p}a`],
        ['GET', `${p}a`],
        ['ZADD', `${p}z`, 11, 'one', 22, 'two'],
      ]),
      base64: true,
    })
    expect(response.status).toBe(200)
    expect(response.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: b64('x') },
      { result: 2 },
    ])
  })

  it('refuses more commands than maxPipelineLength with 400 and runs none', async () => {
    await using server = await restServer({ maxPipelineLength: 2 })
    const p = keyPrefix()
    const body = JSON.stringify([
      ['SET', `${p}a`, '1'],
      ['SET', `${p}b`, '1'],
      ['SET', `${p}c`, '1'],
    ])
    const response = await call(server.url, '/pipeline', { body })
    expect(response.status).toBe(400)
    expect((await command(server.url, ['EXISTS', `${p}a`])).json).toEqual({ result: 0 })
  })

  it('refuses a body that is not an array of commands with 400', async () => {
    await using server = await restServer()
    for (const body of ['[]', '["GET","k"]', '[["GET","k"], 5]', 'nope']) {
      expect((await call(server.url, '/pipeline', { body })).status, body).toBe(400)
    }
  })
})

describe('POST /multi-exec', () => {
  it('runs the commands inside MULTI/EXEC and answers one entry per command', async () => {
    await using server = await restServer()
    const p = keyPrefix()
    const response = await call(server.url, '/multi-exec', {
      body: JSON.stringify([
        ['SET', `${p}a`, 'x'],
        ['INCR', `${p}a`],
        ['APPEND', `${p}a`, 'y'],
      ]),
    })
    expect(response.status).toBe(200)
    expect(response.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 2 },
    ])
  })

  it('answers a discarded transaction with a single { error } and 400, and applies nothing', async () => {
    await using server = await restServer()
    const p = keyPrefix()
    const response = await call(server.url, '/multi-exec', {
      body: JSON.stringify([['SET', `${p}a`, 'x'], ['GET']]),
    })
    expect(response.status).toBe(400)
    expect(response.json).toEqual({ error: expect.stringMatching(/^EXECABORT/) })
    expect((await command(server.url, ['EXISTS', `${p}a`])).json).toEqual({ result: 0 })
  })
})

describe('body size limit', () => {
  it('answers 413 to a body larger than maxBodyBytes, announced or streamed', async () => {
    await using server = await restServer({ maxBodyBytes: 1024 })
    const big = JSON.stringify(['SET', `${keyPrefix()}big`, 'x'.repeat(2000)])
    const announced = await call(server.url, '/', { body: big })
    expect(announced.status).toBe(413)
    expect(announced.json).toEqual({
      error: expect.stringMatching(/^ERR request body exceeds 1024 bytes/),
    })
    const chunks = [big.slice(0, 1000), big.slice(1000)]
    const streamed = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
          controller.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
  })
})

describe('read-only token', () => {
  it('runs reads and refuses writes with 403', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}ro`
    await command(server.url, ['SET', k, 'v'])
    expect((await command(server.url, ['GET', k], { token: READ_ONLY_TOKEN })).json).toEqual({
      result: 'v',
    })
    const write = await command(server.url, ['SET', k, 'w'], { token: READ_ONLY_TOKEN })
    expect(write.status).toBe(403)
    expect(write.json).toEqual({
      error: "NOPERM this token has no permissions to run the 'set' command",
    })
    expect(
      (await command(server.url, ['EVAL', 'return 1', 0], { token: READ_ONLY_TOKEN })).status,
    ).toBe(403)
    expect((await command(server.url, ['KEYS', '*'], { token: READ_ONLY_TOKEN })).status).toBe(403)
    expect((await command(server.url, ['GET', k])).json).toEqual({ result: 'v' })
  })

  it('refuses a whole pipeline that contains a write, running none of it', async () => {
    await using server = await restServer()
    const p = keyPrefix()
    const body = JSON.stringify([
      ['INCR', `${p}n`],
      ['GET', `${p}n`],
    ])
    const refused = await call(server.url, '/pipeline', { body, token: READ_ONLY_TOKEN })
    expect(refused.status).toBe(403)
    expect((await command(server.url, ['GET', `${p}n`])).json).toEqual({ result: null })
  })
})

describe('deny list', () => {
  it('refuses the default dangerous and blocking commands with 403', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}q`
    const denied = [
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['CLIENT', 'KILL', 'ID', '1'],
      ['BLPOP', k, 1],
      ['XREAD', 'COUNT', 1, 'BLOCK', 100, 'STREAMS', k, '$'],
      ['SHUTDOWN'],
    ]
    for (const args of denied) {
      const response = await command(server.url, args)
      expect(response.status, String(args[0])).toBe(403)
    }
    expect((await command(server.url, ['CLIENT', 'ID'])).status).toBe(200)
    expect((await command(server.url, ['XREAD', 'COUNT', 1, 'STREAMS', k, '0'])).json).toEqual({
      result: null,
    })
  })

  it('replaces the default list with a configured one', async () => {
    await using server = await restServer({ denyList: ['ECHO', 'OBJECT ENCODING'] })
    expect((await command(server.url, ['ECHO', 'x'])).status).toBe(403)
    expect((await command(server.url, ['OBJECT', 'ENCODING', 'k'])).status).toBe(403)
    expect((await command(server.url, ['DBSIZE'])).status).toBe(200)
  })
})

describe('upstash-sync-token', () => {
  it('is on every response and moves after a write', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}sync`
    const first = await command(server.url, ['GET', k])
    const before = Number(first.headers.get('upstash-sync-token'))
    const write = await command(server.url, ['SET', k, 'v'])
    const after = Number(write.headers.get('upstash-sync-token'))
    expect(after).toBeGreaterThan(before)
    const read = await command(server.url, ['GET', k], {
      headers: { 'upstash-sync-token': String(after) },
    })
    expect(read.json).toEqual({ result: 'v' })
    expect(Number(read.headers.get('upstash-sync-token'))).toBe(after)
    expect(
      (await command(server.url, ['GET'], { token: 'wrong' })).headers.get('upstash-sync-token'),
    ).not.toBeNull()
  })
})

describe('scripts', () => {
  const source = "#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])"
  const { createHash } = require('node:crypto') as typeof import('node:crypto')
  const clientSha = createHash('sha1').update(source).digest('hex')

  it('runs an EVAL carrying the Upstash-only shebang on plain Redis', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}s`
    expect((await command(server.url, ['EVAL', source, 1, k])).json).toEqual({ result: 1 })
  })

  it('keeps the SHA the client computed over the shebang source valid for EVALSHA', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}s`
    await command(server.url, ['EVAL', source, 1, k])
    expect((await command(server.url, ['EVALSHA', clientSha, 1, k])).json).toEqual({ result: 2 })
  })

  it('answers SCRIPT LOAD of a shebang script with the client SHA', async () => {
    await using server = await restServer()
    const k = `${keyPrefix()}s`
    expect((await command(server.url, ['SCRIPT', 'LOAD', source])).json).toEqual({
      result: clientSha,
    })
    expect((await command(server.url, ['SCRIPT', 'EXISTS', clientSha])).json).toEqual({
      result: [1],
    })
    expect((await command(server.url, ['EVALSHA', clientSha, 1, k])).json).toEqual({ result: 1 })
  })

  it('answers an unknown SHA with NOSCRIPT and 400, so the client falls back to EVAL', async () => {
    await using server = await restServer()
    const response = await command(server.url, ['EVALSHA', 'f'.repeat(40), 0])
    expect(response.status).toBe(400)
    expect(response.json).toEqual({ error: expect.stringMatching(/^NOSCRIPT/) })
  })

  it('keeps Redis 7 flags other than the Upstash-only one', async () => {
    await using server = await restServer()
    const readOnly =
      "#!lua flags=no-writes,allow-key-locking\nreturn redis.call('SET', KEYS[1], 'x')"
    const response = await command(server.url, ['EVAL', readOnly, 1, `${keyPrefix()}s`])
    expect(response.status).toBe(400)
    expect(response.json).toEqual({
      error: expect.stringContaining('Write commands are not allowed'),
    })
  })
})

describe('failure behaviour', () => {
  it('answers 503 when Redis is down', async () => {
    const redis = await startRedis()
    await using server = await restServer({ redis: redis.url, requestTimeoutMs: 3_000 })
    expect((await command(server.url, ['PING'])).json).toEqual({ result: 'PONG' })
    await redis.stop()
    const response = await command(server.url, ['PING'])
    expect(response.status).toBe(503)
    expect(response.json).toEqual({ error: 'ERR redis is unavailable' })
  })

  it('answers 504 when Redis does not answer within requestTimeoutMs', async () => {
    await using redis = await startRedis()
    await using server = await restServer({ redis: redis.url, requestTimeoutMs: 200 })
    expect((await command(server.url, ['PING'])).status).toBe(200)
    await rawCommand(redis.port, ['CLIENT', 'PAUSE', '1500', 'ALL'])
    const response = await command(server.url, ['GET', 'k'])
    expect(response.status).toBe(504)
    expect(response.json).toEqual({ error: 'ERR redis did not answer within 200 ms' })
  })
})
