import { Redis } from '@upstash/redis'
import { describe, expect, it } from 'vitest'
import { call, command, keyPrefix, restServer, TOKEN } from './fixtures'

describe('memory:// backend', () => {
  it('serves the SDK without any Redis running', async () => {
    await using server = await restServer({ redis: 'memory://' })
    const redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false, retry: false })
    expect(await redis.set('k', { a: 1 })).toBe('OK')
    expect(await redis.get('k')).toEqual({ a: 1 })
    expect(await redis.hset('h', { f: 'v' })).toBe(1)
    expect(await redis.hgetall('h')).toEqual({ f: 'v' })
    expect(await redis.zadd('z', { score: 2, member: 'm' })).toBe(1)
    expect(await redis.zrange('z', 0, -1, { withScores: true })).toEqual(['m', 2])
    expect(await redis.pipeline().incr('n').incr('n').exec()).toEqual([1, 2])
  })

  it('keeps each server’s data private', async () => {
    await using first = await restServer({ redis: 'memory://' })
    await using second = await restServer({ redis: 'memory://' })
    await command(first.url, ['SET', 'shared-name', '1'])
    expect((await command(second.url, ['GET', 'shared-name'])).json).toEqual({ result: null })
  })

  it('answers an integer error like Redis instead of NaN', async () => {
    await using server = await restServer({ redis: 'memory://' })
    await command(server.url, ['SET', 'k', 'text'])
    const response = await command(server.url, ['INCR', 'k'])
    expect(response.status).toBe(400)
    expect(response.json).toEqual({ error: 'ERR value is not an integer or out of range' })
  })

  it('answers an unsupported command with 400 unknown command', async () => {
    await using server = await restServer({ redis: 'memory://' })
    const response = await command(server.url, ['GEOADD', 'g', 13.3, 38.1, 'p'])
    expect(response.status).toBe(400)
    expect(response.json).toEqual({
      error: expect.stringMatching(/^ERR unknown command 'geoadd'/i),
    })
  })

  it('runs scripts with the shebang, EVALSHA after SCRIPT LOAD, and NOSCRIPT for unknown SHAs', async () => {
    await using server = await restServer({ redis: 'memory://' })
    const source = "#!lua flags=allow-key-locking\nreturn redis.call('SET', KEYS[1], ARGV[1])"
    expect((await command(server.url, ['EVAL', source, 1, 'k', 'v'])).json).toEqual({
      result: 'OK',
    })
    const sha = (await command(server.url, ['SCRIPT', 'LOAD', "return redis.call('GET', KEYS[1])"]))
      .json as {
      result: string
    }
    expect((await command(server.url, ['EVALSHA', sha.result, 1, 'k'])).json).toEqual({
      result: 'v',
    })
    expect((await command(server.url, ['EVALSHA', 'a'.repeat(40), 0])).status).toBe(400)
  })

  it('delivers published messages to SSE subscribers', async () => {
    await using server = await restServer({ redis: 'memory://' })
    const redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false })
    const channel = `${keyPrefix()}c`
    const subscriber = redis.subscribe<string>(channel)
    const received = new Promise<unknown>((resolve) => subscriber.on('message', resolve))
    await new Promise<void>((resolve) => subscriber.on('subscribe', () => resolve()))
    expect(await redis.publish(channel, 'hi')).toBe(1)
    expect(await received).toEqual({ channel, message: 'hi' })
    await subscriber.unsubscribe()
  })

  it('answers pipelines and transactions with one entry per command', async () => {
    await using server = await restServer({ redis: 'memory://' })
    const body = JSON.stringify([
      ['SET', 'a', 'x'],
      ['INCR', 'a'],
      ['GET', 'a'],
    ])
    const expected = [
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 'x' },
    ]
    expect((await call(server.url, '/pipeline', { body })).json).toEqual(expected)
    expect((await call(server.url, '/multi-exec', { body })).json).toEqual(expected)
  })
})
