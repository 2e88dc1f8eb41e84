import { type RedisServer, rawCommand, startRedis } from '@hotpath/test-redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aclRules, createRestServer, DEFAULT_DENY_LIST } from '../src/index'
import {
  call,
  command,
  READ_ONLY_TOKEN,
  restServer,
  slowClient,
  startCanary,
  TOKEN,
} from './fixtures'

/**
 * A hostile client against the REST server, while a canary client keeps asking PING: each
 * attack must be refused or answered without ending the process, and the canary must keep
 * getting answers within a generous bound (1 s).
 */
const CANARY_BOUND_MS = 1_000

function keys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `hostile-absent-${i}`)
}

describe('huge argument counts', () => {
  it('refuses an MGET of 60 000 keys on the read-only token with 400 E_LIMIT_EXCEEDED, and keeps serving', async () => {
    await using server = await restServer()
    const canary = startCanary(server.url)
    const reply = await command(server.url, ['MGET', ...keys(60_000)], { token: READ_ONLY_TOKEN })
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({
      error: 'ERR more than 10000 arguments in one command',
      code: 'E_LIMIT_EXCEEDED',
    })
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.answers).toBeGreaterThan(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('answers commands of 60 000 and 200 000 keys when maxArgs allows them: single, pipeline and multi-exec', async () => {
    // ioredis' generated methods take arguments spread on the stack; a command this long
    // overflowed it and auto-pipelining then threw outside any promise, ending the process.
    await using server = await restServer({ maxArgs: 250_000, maxPipelineArgs: 250_000 })
    const canary = startCanary(server.url)
    for (const count of [60_000, 200_000]) {
      const reply = await command(server.url, ['MGET', ...keys(count)], { token: READ_ONLY_TOKEN })
      expect(reply.status).toBe(200)
      const result = (reply.json as { result: unknown[] }).result
      expect(result).toHaveLength(count)
      expect(result.every((value) => value === null)).toBe(true)
    }
    for (const path of ['/pipeline', '/multi-exec']) {
      const batch = await call(server.url, path, {
        body: JSON.stringify([['MGET', ...keys(200_000)], ['PING']]),
      })
      expect(batch.status).toBe(200)
      expect((batch.json as { result: unknown }[])[1]).toEqual({ result: 'PONG' })
    }
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('refuses a pipeline of 2.5 million words while it arrives, and answers one at the limit, while the canary keeps its answers', async () => {
    await using server = await restServer()
    const canary = startCanary(server.url)
    const mget = ['MGET', ...Array.from({ length: 9_999 }, () => 'k')]
    const huge = await call(server.url, '/pipeline', {
      body: JSON.stringify(Array.from({ length: 250 }, () => mget)),
    })
    expect(huge.status).toBe(400)
    expect(huge.json).toEqual({
      error: 'ERR more than 100000 arguments in one request',
      code: 'E_LIMIT_EXCEEDED',
    })
    const atLimit = await call(server.url, '/pipeline', {
      body: JSON.stringify(Array.from({ length: 10 }, () => mget)),
    })
    expect(atLimit.status).toBe(200)
    expect(atLimit.json).toHaveLength(10)
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('refuses a command over maxArgs with 400 E_LIMIT_EXCEEDED, in every request style', async () => {
    await using server = await restServer({ maxArgs: 1000 })
    const short = Array.from({ length: 1000 }, (_, i) => `k${i}`)
    const body = {
      error: 'ERR more than 1000 arguments in one command',
      code: 'E_LIMIT_EXCEEDED',
    }
    const single = await command(server.url, ['MGET', ...short])
    expect(single.status).toBe(400)
    expect(single.json).toEqual(body)
    const pipeline = await call(server.url, '/pipeline', {
      body: JSON.stringify([['PING'], ['MGET', ...short]]),
    })
    expect(pipeline.status).toBe(400)
    expect(pipeline.json).toEqual(body)
    const path = await call(server.url, `/mget?${short.join('&')}`, { method: 'GET' })
    expect(path.status).toBe(400)
    expect(path.json).toEqual(body)
    expect((await command(server.url, ['MGET', ...short.slice(1)])).status).toBe(200)
  })
})

/** Commands of Redis 7.2+ that ACL SETUSER on the harness' 7.0 does not know. */
const NEWER_THAN_7_0 = ['httl', 'hpttl', 'hexpiretime', 'hpexpiretime', 'waitaof']
const SCRIPT_REFUSED = /^ERR The user executing the script can't run this command or subcommand/
const FLUSH_SCRIPT = "return redis.call('FLUSHALL')"
const FLUSH_LIBRARY =
  "#!lua name=hostile\nredis.register_function('wipe', function() return redis.call('FLUSHALL') end)"

/** A private redis-server: if a defence fails, the attack wipes this one, not the shared one. */
function privateRedis() {
  const state: { redis?: RedisServer } = {}
  beforeAll(async () => {
    state.redis = await startRedis()
  })
  afterAll(async () => {
    await state.redis?.stop()
  })
  return {
    get url() {
      return (state.redis as RedisServer).url
    },
    get port() {
      return (state.redis as RedisServer).port
    },
  }
}

async function seed(port: number): Promise<void> {
  await rawCommand(port, ['SET', 'hostile:canary-key', 'still here'])
}

async function survived(port: number): Promise<boolean> {
  return (await rawCommand(port, ['GET', 'hostile:canary-key'])).includes('still here')
}

describe('script bypasses of the deny list (Redis ACL users)', () => {
  const redis = privateRedis()

  it('EVAL, EVALSHA and FCALL of FLUSHALL are refused by Redis, and the data stays', async () => {
    await using server = await restServer({ redis: redis.url })
    await seed(redis.port)
    const canary = startCanary(server.url)
    const evaluated = await command(server.url, ['EVAL', FLUSH_SCRIPT, '0'])
    expect(evaluated.status).toBe(400)
    expect((evaluated.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    const sha = (await command(server.url, ['SCRIPT', 'LOAD', FLUSH_SCRIPT])).json as {
      result: string
    }
    const bySha = await command(server.url, ['EVALSHA', sha.result, '0'])
    expect((bySha.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    const pcall = await command(server.url, ['EVAL', "return redis.pcall('FLUSHDB')", '0'])
    expect((pcall.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    const loaded = await command(server.url, ['FUNCTION', 'LOAD', 'REPLACE', FLUSH_LIBRARY])
    expect(loaded.json).toEqual({ result: 'hostile' })
    const called = await command(server.url, ['FCALL', 'wipe', '0'])
    expect((called.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    const swapped = await command(server.url, ['EVAL', "return redis.call('SWAPDB', 0, 1)", '0'])
    expect((swapped.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    // Redis keeps DEBUG from scripts whatever the user: refused either way.
    const slept = await command(server.url, ['EVAL', "return redis.call('DEBUG', 'SLEEP', 2)", '0'])
    expect(slept.status).toBe(400)
    expect(await survived(redis.port)).toBe(true)
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
    // Scripts that stay within the policy still run.
    expect(
      (
        await command(server.url, [
          'EVAL',
          "return redis.call('GET', KEYS[1])",
          '1',
          'hostile:canary-key',
        ])
      ).json,
    ).toEqual({ result: 'still here' })
  })

  it('MULTI inside a pipeline is refused, and a script inside /multi-exec is limited too', async () => {
    await using server = await restServer({ redis: redis.url })
    await seed(redis.port)
    const pipeline = await call(server.url, '/pipeline', {
      body: JSON.stringify([['MULTI'], ['FLUSHALL'], ['EXEC']]),
    })
    expect(pipeline.status).toBe(400)
    const multi = await call(server.url, '/multi-exec', {
      body: JSON.stringify([['PING'], ['EVAL', FLUSH_SCRIPT, '0']]),
    })
    expect(multi.status).toBe(200)
    expect((multi.json as { error?: string }[])[1]?.error).toMatch(SCRIPT_REFUSED)
    expect(await survived(redis.port)).toBe(true)
  })

  it('denies SWAPDB, CLIENT PAUSE, CLIENT KILL, DEBUG and MONITOR with 403 while a canary keeps its answers', async () => {
    await using server = await restServer({ redis: redis.url })
    await seed(redis.port)
    const canary = startCanary(server.url)
    for (const attack of [
      ['SWAPDB', '0', '1'],
      ['CLIENT', 'PAUSE', '3000', 'ALL'],
      ['CLIENT', 'KILL', 'TYPE', 'normal'],
      ['CLIENT', 'LIST'],
      ['DEBUG', 'SLEEP', '2'],
      ['MONITOR'],
      ['FLUSHALL'],
    ]) {
      const reply = await command(server.url, attack)
      expect(reply.status, attack.join(' ')).toBe(403)
    }
    // Even a request that slipped past the server's list would meet Redis' refusal.
    const paused = await command(server.url, [
      'EVAL',
      "return redis.call('CLIENT', 'PAUSE', 3000)",
      '0',
    ])
    expect(paused.status).toBe(400)
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.answers).toBeGreaterThan(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
    expect(await survived(redis.port)).toBe(true)
  })

  it('a read-only token runs read-only scripts as a read-only Redis user: writes and SCAN inside are refused', async () => {
    await using server = await restServer({ redis: redis.url })
    await seed(redis.port)
    const ro = { token: READ_ONLY_TOKEN }
    const read = await command(
      server.url,
      ['EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 'hostile:canary-key'],
      ro,
    )
    expect(read.json).toEqual({ result: 'still here' })
    for (const body of [
      "return redis.call('SET', KEYS[1], 'x')",
      "return redis.call('SCAN', '0')",
      FLUSH_SCRIPT,
    ]) {
      const reply = await command(server.url, ['EVAL_RO', body, '1', 'hostile:canary-key'], ro)
      expect(reply.status).toBe(400)
      expect((reply.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    }
    expect((await command(server.url, ['EVAL', FLUSH_SCRIPT, '0'], ro)).status).toBe(403)
    expect((await command(server.url, ['FCALL', 'wipe', '0'], ro)).status).toBe(403)
    // Its pipelines and transactions run on the read-only user too.
    for (const path of ['/pipeline', '/multi-exec']) {
      const batch = await call(server.url, path, {
        ...ro,
        body: JSON.stringify([
          ['GET', 'hostile:canary-key'],
          ['EVAL_RO', "return redis.call('DEL', KEYS[1])", '1', 'hostile:canary-key'],
        ]),
      })
      expect(batch.status, path).toBe(200)
      const [read, wipe] = batch.json as { result?: string; error?: string }[]
      expect(read).toEqual({ result: 'still here' })
      expect(wipe?.error).toMatch(SCRIPT_REFUSED)
    }
    expect(await survived(redis.port)).toBe(true)
  })

  it('connects as users the operator provisioned (acl: { readWrite, readOnly })', async () => {
    const rules = (role: 'read-write' | 'read-only') =>
      aclRules(role, DEFAULT_DENY_LIST, (name) => !NEWER_THAN_7_0.includes(name))
    expect(
      await rawCommand(redis.port, [
        'ACL',
        'SETUSER',
        'app-rw',
        'reset',
        'on',
        '>rw-secret',
        ...rules('read-write'),
      ]),
    ).toBe('+OK\r\n')
    expect(
      await rawCommand(redis.port, [
        'ACL',
        'SETUSER',
        'app-ro',
        'reset',
        'on',
        '>ro-secret',
        ...rules('read-only'),
      ]),
    ).toBe('+OK\r\n')
    await using server = await restServer({
      redis: redis.url,
      acl: {
        readWrite: { username: 'app-rw', password: 'rw-secret' },
        readOnly: { username: 'app-ro', password: 'ro-secret' },
      },
    })
    await seed(redis.port)
    expect((await command(server.url, ['ACL', 'WHOAMI'])).status).toBe(403)
    const info = (await command(server.url, ['CLIENT', 'INFO'])).json as { result: string }
    expect(info.result).toContain(' user=app-rw ')
    expect(
      ((await command(server.url, ['EVAL', FLUSH_SCRIPT, '0'])).json as { error: string }).error,
    ).toMatch(SCRIPT_REFUSED)
    const write = await command(
      server.url,
      ['EVAL_RO', "return redis.call('DEL', KEYS[1])", '1', 'hostile:canary-key'],
      { token: READ_ONLY_TOKEN },
    )
    expect((write.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    expect(await survived(redis.port)).toBe(true)
  })
})

describe('a Redis that will not create ACL users', () => {
  const redis = privateRedis()
  const limitedUrl = () => redis.url.replace('redis://', 'redis://limited:limited-secret@')

  beforeAll(async () => {
    await rawCommand(redis.port, [
      'ACL',
      'SETUSER',
      'limited',
      'on',
      '>limited-secret',
      '~*',
      '&*',
      '+@all',
      '-acl',
    ])
  })

  it("'auto' warns, keeps serving, and refuses scripts to the read-only token", async () => {
    const warnings: string[] = []
    await using server = await restServer({
      redis: limitedUrl(),
      logger: { warn: (line) => warnings.push(line) },
    })
    expect((await command(server.url, ['SET', 'k', 'v'])).json).toEqual({ result: 'OK' })
    const ro = await command(server.url, ['EVAL_RO', "return redis.call('GET', 'k')", '0'], {
      token: READ_ONLY_TOKEN,
    })
    expect(ro.status).toBe(403)
    expect((ro.json as { error: string }).error).toMatch(/^NOPERM this token may not run scripts/)
    expect((await command(server.url, ['GET', 'k'], { token: READ_ONLY_TOKEN })).json).toEqual({
      result: 'v',
    })
    expect(warnings.some((line) => line.startsWith('redis ACL users unavailable'))).toBe(true)
  })

  it("'require' refuses to start with E_ACL_UNAVAILABLE", async () => {
    await expect(restServer({ redis: limitedUrl(), acl: 'require' })).rejects.toMatchObject({
      code: 'E_ACL_UNAVAILABLE',
    })
  })

  it("'off' checks in code only, and the read-only token runs no scripts", async () => {
    await using server = await restServer({ redis: redis.url, acl: 'off' })
    const ro = await command(server.url, ['EVALSHA_RO', 'a'.repeat(40), '0'], {
      token: READ_ONLY_TOKEN,
    })
    expect(ro.status).toBe(403)
  })
})

describe('the memory backend enforces the same inside its script host', () => {
  it('refuses denied commands to scripts, writes to read-only scripts, and hides the host', async () => {
    await using server = await restServer({ redis: 'memory://' })
    await command(server.url, ['SET', 'k', 'v'])
    for (const script of [
      FLUSH_SCRIPT,
      "return call(false, 'FLUSHALL')",
      "return redis.call('SWAPDB', 0, 1)",
    ]) {
      const reply = await command(server.url, ['EVAL', script, '0'])
      expect(reply.status).toBe(400)
      expect((reply.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    }
    const pcall = await command(server.url, [
      'EVAL',
      "local r = redis.pcall('FLUSHALL') return r.err",
      '0',
    ])
    expect((pcall.json as { result: string }).result).toMatch(SCRIPT_REFUSED)
    // fengari's `js` library would reach the server process (js.global.process.exit), and
    // `debug.getupvalue` the unchecked `call`.
    for (const library of ['js', 'debug', 'os', 'io', 'require']) {
      const reply = await command(server.url, ['EVAL', `return type(${library})`, '0'])
      expect(reply.json, library).toEqual({ result: 'nil' })
    }
    const ro = { token: READ_ONLY_TOKEN }
    const write = await command(
      server.url,
      ['EVAL_RO', "return redis.call('SET', 'k', 'x')", '0'],
      ro,
    )
    expect((write.json as { error: string }).error).toMatch(SCRIPT_REFUSED)
    expect(
      (await command(server.url, ['EVAL_RO', "return redis.call('GET', 'k')", '0'], ro)).json,
    ).toEqual({ result: 'v' })
  })
})

describe('deep nesting and slow bodies', () => {
  it('refuses a 10 MB body of nested arrays with 400 at once, while the canary keeps its answers', async () => {
    await using server = await restServer()
    const half = (10 * 1024 * 1024) / 2 - 1
    const nested = `${'['.repeat(half)}${']'.repeat(half)}`
    const canary = startCanary(server.url)
    await new Promise((resolve) => setTimeout(resolve, 100))
    for (const path of ['/', '/pipeline', '/multi-exec']) {
      const reply = await call(server.url, path, { body: nested })
      expect(reply.status).toBe(400)
      expect(reply.json).toMatchObject({ code: 'E_LIMIT_EXCEEDED' })
    }
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.answers).toBeGreaterThan(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('the fetch handler refuses nested bodies and slow bodies too', async () => {
    const rest = createRestServer({ redis: 'memory://', token: TOKEN, bodyTimeoutMs: 200 })
    const auth = { authorization: `Bearer ${TOKEN}` }
    const nested = await rest.fetch(
      new Request('http://x/pipeline', { method: 'POST', headers: auth, body: '[[["PING"]]]' }),
    )
    expect(nested.status).toBe(400)
    expect(await nested.json()).toEqual({
      error: 'ERR the body nests deeper than 2 levels',
      code: 'E_LIMIT_EXCEEDED',
    })
    const slow = await rest.fetch(
      new Request('http://x/', {
        method: 'POST',
        headers: auth,
        // A body that never ends.
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('["PI'))
          },
        }),
        duplex: 'half',
      } as RequestInit),
    )
    expect(slow.status).toBe(408)
    expect(await slow.json()).toMatchObject({ code: 'E_LIMIT_EXCEEDED' })
    const ok = await rest.fetch(
      new Request('http://x/', { method: 'POST', headers: auth, body: '["ECHO","[[[x]]]"]' }),
    )
    expect(await ok.json()).toEqual({ result: '[[[x]]]' })
    await rest.close()
  })

  it('cuts off a body that trickles in past bodyTimeoutMs with 408, while the canary keeps its answers', async () => {
    await using server = await restServer({ bodyTimeoutMs: 1_000 })
    const canary = startCanary(server.url)
    const body = JSON.stringify(['SET', 'hostile:slow', 'x'.repeat(200)])
    const head = `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${body.length}\r\n\r\n`
    const slow = await slowClient(server.url, head, body, 100, 8_000)
    expect(slow.ended).toBe(true)
    expect(slow.reply).toMatch(/^HTTP\/1\.1 408 /)
    expect(slow.reply).toContain('"code":"E_LIMIT_EXCEEDED"')
    expect(slow.afterMs).toBeLessThan(4_000)
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })

  it('cuts off headers that trickle in', async () => {
    await using server = await restServer({ bodyTimeoutMs: 1_000 })
    const canary = startCanary(server.url)
    const slow = await slowClient(
      server.url,
      'GET /ping HTTP/1.1\r\n',
      `X-Slow: ${'a'.repeat(200)}`,
      100,
      8_000,
    )
    expect(slow.ended).toBe(true)
    expect(slow.afterMs).toBeLessThan(5_000)
    const health = await canary.stop()
    expect(health.failures).toBe(0)
    expect(health.slowestMs).toBeLessThan(CANARY_BOUND_MS)
  })
})
