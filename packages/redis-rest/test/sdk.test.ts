import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyPrefix, READ_ONLY_TOKEN, restServer, TOKEN } from './fixtures'

// The real @upstash/redis SDK against this server: at least one command of every group
// it exposes that plain Redis 7 supports.
let server: Awaited<ReturnType<typeof restServer>>
let redis: Redis
let p: string

beforeAll(async () => {
  server = await restServer()
  redis = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false, retry: false })
})
afterAll(() => server.close())

describe('the @upstash/redis SDK against the server', () => {
  it('strings: set with options, get, incr, mget, getdel, append, getrange', async () => {
    p = keyPrefix()
    expect(await redis.set(`${p}s`, 'value', { ex: 60 })).toBe('OK')
    expect(await redis.get(`${p}s`)).toBe('value')
    expect(await redis.set(`${p}s`, 'other', { nx: true })).toBeNull()
    expect(await redis.incr(`${p}n`)).toBe(1)
    expect(await redis.incrbyfloat(`${p}n`, 1.5)).toBe(2.5)
    expect(await redis.mget(`${p}s`, `${p}missing`)).toEqual(['value', null])
    expect(await redis.append(`${p}s`, '!')).toBe(6)
    expect(await redis.getrange(`${p}s`, 0, 2)).toBe('val')
    expect(await redis.getdel(`${p}s`)).toBe('value!')
    expect(await redis.ttl(`${p}s`)).toBe(-2)
  })

  it('keeps JSON values, unicode and the string "OK" intact through base64', async () => {
    p = keyPrefix()
    await redis.set(`${p}json`, { nested: { list: [1, 'two'] }, when: 'now' })
    expect(await redis.get(`${p}json`)).toEqual({ nested: { list: [1, 'two'] }, when: 'now' })
    await redis.set(`${p}uni`, 'zürich 東京 🚀')
    expect(await redis.get(`${p}uni`)).toBe('zürich 東京 🚀')
    await redis.set(`${p}ok`, 'OK')
    expect(await redis.mget(`${p}ok`, `${p}uni`)).toEqual(['OK', 'zürich 東京 🚀'])
  })

  it('bitmaps: setbit, getbit, bitcount, bitpos, bitop', async () => {
    p = keyPrefix()
    expect(await redis.setbit(`${p}b`, 7, 1)).toBe(0)
    expect(await redis.getbit(`${p}b`, 7)).toBe(1)
    expect(await redis.bitcount(`${p}b`, 0, -1)).toBe(1)
    expect(await redis.bitpos(`${p}b`, 1, 0)).toBe(7)
    expect(await redis.bitop('not', `${p}b2`, `${p}b`)).toBe(1)
  })

  it('hashes: hset, hget, hgetall, hincrby, hdel, hkeys, hscan', async () => {
    p = keyPrefix()
    expect(await redis.hset(`${p}h`, { a: '1', b: 'two' })).toBe(2)
    expect(await redis.hget(`${p}h`, 'b')).toBe('two')
    expect(await redis.hgetall(`${p}h`)).toEqual({ a: 1, b: 'two' })
    expect(await redis.hincrby(`${p}h`, 'a', 5)).toBe(6)
    expect((await redis.hkeys(`${p}h`)).sort()).toEqual(['a', 'b'])
    expect(await redis.hdel(`${p}h`, 'a')).toBe(1)
    const [cursor, fields] = await redis.hscan(`${p}h`, 0)
    expect(cursor).toBe('0')
    expect(fields).toEqual(['b', 'two'])
    expect(await redis.hgetall(`${p}none`)).toBeNull()
  })

  it('lists: lpush, rpush, lrange, lpop, lmove, ltrim, llen', async () => {
    p = keyPrefix()
    expect(await redis.rpush(`${p}l`, 'a', 'b', 'c')).toBe(3)
    expect(await redis.lpush(`${p}l`, 'z')).toBe(4)
    expect(await redis.lrange(`${p}l`, 0, -1)).toEqual(['z', 'a', 'b', 'c'])
    expect(await redis.lpop(`${p}l`)).toBe('z')
    expect(await redis.lmove(`${p}l`, `${p}l2`, 'right', 'left')).toBe('c')
    expect(await redis.ltrim(`${p}l`, 0, 0)).toBe('OK')
    expect(await redis.llen(`${p}l`)).toBe(1)
  })

  it('sets: sadd, smembers, sismember, srem, scard, sinter', async () => {
    p = keyPrefix()
    expect(await redis.sadd(`${p}s1`, 'a', 'b', 'c')).toBe(3)
    await redis.sadd(`${p}s2`, 'b', 'c', 'd')
    expect((await redis.smembers(`${p}s1`)).sort()).toEqual(['a', 'b', 'c'])
    expect(await redis.sismember(`${p}s1`, 'a')).toBe(1)
    expect((await redis.sinter(`${p}s1`, `${p}s2`)).sort()).toEqual(['b', 'c'])
    expect(await redis.srem(`${p}s1`, 'a')).toBe(1)
    expect(await redis.scard(`${p}s1`)).toBe(2)
  })

  it('sorted sets: zadd, zrange with scores, zscore, zincrby, zrank, zrem, zcount', async () => {
    p = keyPrefix()
    expect(
      await redis.zadd(`${p}z`, { score: 1, member: 'one' }, { score: 2.5, member: 'two' }),
    ).toBe(2)
    expect(await redis.zrange(`${p}z`, 0, -1)).toEqual(['one', 'two'])
    expect(await redis.zrange(`${p}z`, 0, -1, { withScores: true })).toEqual(['one', 1, 'two', 2.5])
    expect(await redis.zscore(`${p}z`, 'two')).toBe(2.5)
    expect(await redis.zincrby(`${p}z`, 10, 'one')).toBe(11)
    expect(await redis.zrank(`${p}z`, 'one')).toBe(1)
    expect(await redis.zcount(`${p}z`, '-inf', '+inf')).toBe(2)
    expect(await redis.zrem(`${p}z`, 'two')).toBe(1)
  })

  it('geo: geoadd, geopos, geodist, geosearch', async () => {
    p = keyPrefix()
    expect(
      await redis.geoadd(
        `${p}g`,
        { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
        { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
      ),
    ).toBe(2)
    const [pos] = await redis.geopos(`${p}g`, 'Palermo')
    expect(pos?.lng).toBeCloseTo(13.361389, 4)
    expect(await redis.geodist(`${p}g`, 'Palermo', 'Catania', 'KM')).toBeCloseTo(166.27, 1)
    const near = await redis.geosearch(
      `${p}g`,
      { type: 'FROMLONLAT', coordinate: { lon: 15, lat: 37 } },
      { type: 'BYRADIUS', radius: 100, radiusType: 'KM' },
      'ASC',
    )
    expect(near.map((m) => m.member)).toEqual(['Catania'])
  })

  it('hyperloglog: pfadd, pfcount, pfmerge', async () => {
    p = keyPrefix()
    expect(await redis.pfadd(`${p}hll`, 'a', 'b', 'c')).toBe(1)
    expect(await redis.pfcount(`${p}hll`)).toBe(3)
    expect(await redis.pfmerge(`${p}hll2`, `${p}hll`)).toBe('OK')
  })

  it('streams: xadd, xlen, xrange, xgroup, xreadgroup, xack', async () => {
    p = keyPrefix()
    const id = await redis.xadd(`${p}x`, '*', { field: 'value' })
    expect(id).toMatch(/^\d+-\d+$/)
    expect(await redis.xlen(`${p}x`)).toBe(1)
    expect(await redis.xrange(`${p}x`, '-', '+')).toEqual({ [id]: { field: 'value' } })
    expect(await redis.xgroup(`${p}x`, { type: 'CREATE', group: 'g', id: '0' })).toBe('OK')
    const read = (await redis.xreadgroup('g', 'c1', `${p}x`, '>')) as [
      string,
      [string, string[]][],
    ][]
    expect(read[0]?.[1][0]?.[0]).toBe(id)
    expect(await redis.xack(`${p}x`, 'g', id)).toBe(1)
  })

  it('scripting: eval, evalsha, scriptLoad, scriptExists, createScript', async () => {
    p = keyPrefix()
    expect(await redis.eval('return ARGV[1]', [], ['hi'])).toBe('hi')
    const sha = await redis.scriptLoad("return redis.call('GET', KEYS[1])")
    await redis.set(`${p}k`, 'v')
    expect(await redis.evalsha(sha, [`${p}k`], [])).toBe('v')
    expect(await redis.scriptExists(sha)).toEqual([1])
    const script = redis.createScript<number>("return redis.call('INCR', KEYS[1])")
    expect(await script.exec([`${p}n`], [])).toBe(1)
    expect(await script.exec([`${p}n`], [])).toBe(2)
  })

  it('keys and scan: exists, expire, ttl, type, rename, scan with match', async () => {
    p = keyPrefix()
    await redis.set(`${p}a`, 1)
    await redis.set(`${p}b`, 2)
    expect(await redis.exists(`${p}a`, `${p}b`, `${p}c`)).toBe(2)
    expect(await redis.expire(`${p}a`, 100)).toBe(1)
    expect(await redis.ttl(`${p}a`)).toBeGreaterThan(90)
    expect(await redis.type(`${p}a`)).toBe('string')
    expect(await redis.rename(`${p}b`, `${p}c`)).toBe('OK')
    const found: string[] = []
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, { match: `${p}*`, count: 100 })
      found.push(...keys)
      cursor = String(next)
    } while (cursor !== '0')
    expect(found.sort()).toEqual([`${p}a`, `${p}c`])
    expect(await redis.del(`${p}a`, `${p}c`)).toBe(2)
  })

  it('pipeline: several commands in one request, errors kept per command', async () => {
    p = keyPrefix()
    const before = server.requests
    const results = await redis.pipeline().set(`${p}a`, 'x').incr(`${p}n`).get(`${p}a`).exec()
    expect(results).toEqual(['OK', 1, 'x'])
    expect(server.requests - before).toBe(1)
    const kept = await redis.pipeline().incr(`${p}a`).get(`${p}a`).exec({ keepErrors: true })
    expect(kept[0]?.error).toMatch(/not an integer/)
    expect(kept[1]?.result).toBe('x')
  })

  it('multi: a transaction through /multi-exec', async () => {
    p = keyPrefix()
    const results = await redis.multi().set(`${p}a`, '1').incr(`${p}a`).get(`${p}a`).exec()
    expect(results).toEqual(['OK', 2, 2])
  })

  it('pub/sub: publish reaches a subscriber of the SDK', async () => {
    p = keyPrefix()
    const subscriber = redis.subscribe<string>(`${p}chan`)
    const received = new Promise<{ channel: string; message: string }>((resolve) =>
      subscriber.on('message', resolve),
    )
    const subscribed = new Promise<number>((resolve) => subscriber.on('subscribe', resolve))
    expect(await subscribed).toBe(1)
    expect(await redis.publish(`${p}chan`, 'hello')).toBe(1)
    expect(await received).toEqual({ channel: `${p}chan`, message: 'hello' })
    await subscriber.unsubscribe()
  })

  it('pub/sub: psubscribe delivers pmessage events', async () => {
    p = keyPrefix()
    const subscriber = redis.psubscribe<{ n: number }>(`${p}*`)
    const received = new Promise<unknown>((resolve) => subscriber.on('pmessage', resolve))
    await new Promise<void>((resolve) => subscriber.on('psubscribe', () => resolve()))
    await redis.publish(`${p}topic`, { n: 1 })
    expect(await received).toEqual({ pattern: `${p}*`, channel: `${p}topic`, message: { n: 1 } })
    await subscriber.unsubscribe()
  })

  it('auto-pipelining sends 100 commands issued in one tick as one HTTP request', async () => {
    p = keyPrefix()
    const auto = new Redis({
      url: server.url,
      token: TOKEN,
      enableTelemetry: false,
      enableAutoPipelining: true,
    })
    await auto.set(`${p}warm`, 'up')
    const before = server.requests
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => auto.incr(`${p}n${i % 10}`)),
    )
    expect(server.requests - before).toBe(1)
    expect(replies.filter((r) => r === 10)).toHaveLength(10)
  })

  it('read-your-writes: a read right after a write sees it', async () => {
    p = keyPrefix()
    for (let i = 0; i < 20; i++) {
      await redis.set(`${p}k`, i)
      expect(await redis.get(`${p}k`)).toBe(i)
    }
  })

  it('the read-only token reads through the SDK and fails writes', async () => {
    p = keyPrefix()
    await redis.set(`${p}k`, 'v')
    const readOnly = new Redis({
      url: server.url,
      token: READ_ONLY_TOKEN,
      enableTelemetry: false,
      retry: false,
    })
    expect(await readOnly.get(`${p}k`)).toBe('v')
    await expect(readOnly.set(`${p}k`, 'w')).rejects.toThrow(/NOPERM/)
  })
})
