import { createServer, type Server, type Socket } from 'node:net'
import { startRedis } from '@hotpath/test-redis'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient } from '../src/client'
import { createMemoryRedis } from '../src/drivers/memory'
import { createTcpRedis } from '../src/drivers/tcp'
import { errors, RedisError } from '../src/errors'
import type { Transport } from '../src/transports/transport'
import type { Command } from '../src/types'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function rejection(promise: Promise<unknown>): Promise<RedisError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RedisError) return error
    throw error
  }
  throw new Error('expected a rejection')
}

// A server that accepts connections and never answers: the one way to force a timeout.
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A transport whose first `failures` sends fail like a dropped connection. */
function flakyTransport(failures: number) {
  const sent: string[] = []
  let left = failures
  const transport: Transport = {
    driver: 'flaky',
    send: async (command: Command) => {
      sent.push(command[0])
      if (left > 0) {
        left--
        throw new RedisError(errors.E_CONNECTION, 'connection reset')
      }
      return command[0] === 'GET' ? 'value' : 1
    },
    pipeline: async () => [],
    masters: async () => [transport.send],
    subscribe: async () => async () => {},
    close: async () => {},
  }
  return { transport, sent }
}

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()))
})

describe('timeouts', () => {
  it('a call to a server that never answers rejects with E_TIMEOUT after timeoutMs', async () => {
    const silent = await silentServer()
    cleanups.push(silent.close)
    const redis = createTcpRedis({ url: silent.url, timeoutMs: 100, retries: 0 })
    cleanups.push(() => redis.close())
    const error = await rejection(redis.get('k'))
    expect(error.code).toBe('E_TIMEOUT')
    expect(error.command).toBe('GET')
  })

  it('a stuck call times out on its own while the calls sent after it keep answering', async () => {
    // GETs of keys starting with "stuck" never answer; everything else answers at once.
    const transport: Transport = {
      driver: 'partial',
      send: (command: Command) =>
        String(command[1]).startsWith('stuck') ? new Promise(() => {}) : Promise.resolve('v'),
      pipeline: async () => [],
      masters: async () => [transport.send],
      subscribe: async () => async () => {},
      close: async () => {},
    }
    const redis = createClient(transport, { timeoutMs: 80, retries: 0 })
    const stuck = rejection(redis.get('stuck:1'))
    // thousands of calls settle behind the stuck one, in order and out of order
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 1500 }, (_, i) => redis.get(`k${i}`)))
      expect(answers.every((answer) => answer === 'v')).toBe(true)
    }
    const late = rejection(redis.get('stuck:2'))
    expect(await redis.get('after')).toBe('v')
    const [first, second] = await Promise.all([stuck, late])
    expect([first.code, first.command, second.code]).toEqual(['E_TIMEOUT', 'GET', 'E_TIMEOUT'])
    // and the client is still usable once the queue is empty again
    expect(await redis.get('again')).toBe('v')
  })
})

describe('retries', () => {
  it('over tcp, a timed-out idempotent command is sent again, a non-idempotent one is not', async () => {
    const server = await startRedis()
    cleanups.push(() => server.stop())
    const admin = createTcpRedis({ url: server.url, timeoutMs: 5000 })
    const redis = createTcpRedis({
      url: server.url,
      timeoutMs: 100,
      retries: 2,
      retryBackoffMs: 10,
    })
    cleanups.push(
      () => admin.close(),
      () => redis.close(),
    )
    await redis.set('n', '0')
    const calls = async (command: string) => {
      const info = String(await admin.call(['INFO', 'commandstats']))
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
    }
    const [gets, incrs] = [await calls('get'), await calls('incr')]
    // Every client waits while Redis is paused; the commands run when the pause ends.
    await admin.call(['CLIENT', 'PAUSE', '1500', 'ALL'])
    // One after the other: a call that failed for good ends the retries of calls behind it.
    const get = await rejection(redis.get('n'))
    const incr = await rejection(redis.incr('n'))
    expect([get.code, incr.code]).toEqual(['E_TIMEOUT', 'E_TIMEOUT'])
    await new Promise((resolve) => setTimeout(resolve, 1600))
    expect(await admin.get('n')).toBe('1')
    expect((await calls('get')) - gets).toBe(3 + 1)
    expect((await calls('incr')) - incrs).toBe(1)
  })

  it('over tcp, an open breaker probes as soon as the connection is back, not after breakerResetMs', async () => {
    let server = await startRedis()
    const port = server.port
    cleanups.push(() => server.stop())
    const redis = createTcpRedis({ url: server.url, breakerThreshold: 2, breakerResetMs: 60_000 })
    cleanups.push(() => redis.close())
    await redis.set('k', 'v')
    process.kill(server.pid, 'SIGKILL')
    await server.stop()
    await rejection(redis.get('k'))
    await rejection(redis.get('k'))
    expect(redis.breaker).toBe('open')
    server = await startRedis({ port })
    // ioredis reconnects within 500 ms; give a loaded machine 10 s. A minute-long reset
    // would keep the breaker open far past that without the reconnect signal.
    const deadline = Date.now() + 10_000
    while (redis.breaker === 'open' && Date.now() < deadline) await sleep(20)
    expect(redis.breaker).toBe('half-open')
    expect(await redis.get('k')).toBeNull()
    expect(redis.breaker).toBe('closed')
  })

  it('an idempotent command is retried after transport errors and then succeeds', async () => {
    const { transport, sent } = flakyTransport(2)
    const redis = createClient(transport, { retries: 2, retryBackoffMs: 1 })
    expect(await redis.get('k')).toBe('value')
    expect(sent).toEqual(['GET', 'GET', 'GET'])
  })

  it('once a call has failed for good, the calls behind it fail without retries until Redis answers', async () => {
    const { transport, sent } = flakyTransport(4)
    const redis = createClient(transport, { retries: 2, retryBackoffMs: 1, breakerThreshold: 10 })
    expect((await rejection(redis.get('a'))).code).toBe('E_CONNECTION')
    expect(sent).toEqual(['GET', 'GET', 'GET'])
    // The path is down, not blipping: one attempt, no backoff.
    expect((await rejection(redis.get('b'))).code).toBe('E_CONNECTION')
    expect(sent).toHaveLength(4)
    // An answer resets the streak, so the next blip is retried again.
    expect(await redis.get('c')).toBe('value')
    expect(sent).toHaveLength(5)
  })

  it('a non-idempotent command is not retried', async () => {
    const { transport, sent } = flakyTransport(1)
    const redis = createClient(transport, { retries: 2, retryBackoffMs: 1 })
    expect((await rejection(redis.incr('k'))).code).toBe('E_CONNECTION')
    expect(sent).toEqual(['INCR'])
  })

  it('a server error is not retried', async () => {
    const redis = createMemoryRedis({ retries: 3 })
    await redis.hset('h', { f: '1' })
    const before = redis.stats().commands
    expect((await rejection(redis.get('h'))).code).toBe('E_COMMAND')
    expect(redis.stats().commands - before).toBe(1)
    await redis.close()
  })
})

describe('circuit breaker', () => {
  it('opens after breakerThreshold consecutive failures, then fails fast with E_CIRCUIT_OPEN', async () => {
    const { transport, sent } = flakyTransport(100)
    const redis = createClient(transport, {
      retries: 0,
      breakerThreshold: 3,
      breakerResetMs: 60_000,
    })
    const opened: number[] = []
    redis.on('breaker:open', ({ failures }) => opened.push(failures))
    for (let i = 0; i < 3; i++) expect((await rejection(redis.get('k'))).code).toBe('E_CONNECTION')
    expect(redis.breaker).toBe('open')
    expect(opened).toEqual([3])
    const error = await rejection(redis.get('k'))
    expect(error.code).toBe('E_CIRCUIT_OPEN')
    expect(sent).toHaveLength(3)
  })

  it('server errors prove Redis is alive and never open the breaker', async () => {
    const redis = createMemoryRedis({ breakerThreshold: 2 })
    await redis.hset('h', { f: '1' })
    for (let i = 0; i < 5; i++) await rejection(redis.get('h'))
    expect(redis.breaker).toBe('closed')
    await redis.close()
  })

  it('half-opens after breakerResetMs and closes again when the probe succeeds against a restarted server', async () => {
    const server = await startRedis()
    const port = server.port
    const redis = createTcpRedis({
      url: server.url,
      timeoutMs: 200,
      retries: 0,
      breakerThreshold: 2,
      breakerResetMs: 300,
    })
    cleanups.push(() => redis.close())
    const seen: string[] = []
    redis.on('breaker:open', () => seen.push('open'))
    redis.on('breaker:half-open', () => seen.push('half-open'))
    redis.on('breaker:close', () => seen.push('close'))
    expect(await redis.ping()).toBe('PONG')
    await server.stop()
    await rejection(redis.get('k'))
    await rejection(redis.get('k'))
    expect(redis.breaker).toBe('open')
    expect((await rejection(redis.get('k'))).code).toBe('E_CIRCUIT_OPEN')

    const restarted = await startRedis({ port })
    cleanups.push(() => restarted.stop())
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect(redis.breaker).toBe('half-open')
    // The reconnect may need a moment; the breaker lets one probe through per reset period.
    const deadline = Date.now() + 10_000
    while (redis.breaker !== 'closed' && Date.now() < deadline) {
      await redis.ping().catch(() => {})
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(redis.breaker).toBe('closed')
    expect(seen.slice(0, 2)).toEqual(['open', 'half-open'])
    expect(seen.at(-1)).toBe('close')
    expect(await redis.get('k')).toBeNull()
  })
})

describe('events and lifecycle', () => {
  it("emits 'error' with the command name for every failed call", async () => {
    const redis = createMemoryRedis()
    const seen: { command: string; code: string }[] = []
    redis.on('error', ({ error, command }) =>
      seen.push({ command, code: (error as RedisError).code }),
    )
    await redis.hset('h', { f: '1' })
    await rejection(redis.incr('h'))
    expect(seen).toEqual([{ command: 'INCR', code: 'E_COMMAND' }])
    await redis.close()
  })

  it('a listener that throws does not break the call path', async () => {
    const redis = createMemoryRedis()
    redis.on('error', () => {
      throw new Error('listener bug')
    })
    await redis.hset('h', { f: '1' })
    expect((await rejection(redis.get('h'))).code).toBe('E_COMMAND')
    await redis.close()
  })

  it('calls after close() reject with E_CLOSED', async () => {
    const redis = createMemoryRedis()
    await redis.close()
    expect((await rejection(redis.get('k'))).code).toBe('E_CLOSED')
    expect((await rejection(redis.pipeline([['GET', 'k']]))).code).toBe('E_CLOSED')
  })

  it('RedisError survives instanceof across separately loaded copies of the class', () => {
    // What the other build's copy looks like: same class name, the shared hotpath brand.
    const Foreign = class RedisError extends Error {
      readonly code = 'E_TIMEOUT'
      constructor(message: string) {
        super(message)
        Object.defineProperty(this, Symbol.for('hotpath.error'), { value: true })
      }
    }
    expect(new Foreign('x') instanceof RedisError).toBe(true)
    expect(new Error('x') instanceof RedisError).toBe(false)
  })
})
