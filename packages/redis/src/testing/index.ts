import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisError } from '../errors'
import { createCacheHelpers } from '../helpers'
import { defineScript, runScript } from '../scripts'
import { deserialize, serialize } from '../serializer'
import type { RedisClient, TrackingEvent } from '../types'

// Also its own subpath (`@hotpath/redis/testing/round-trips`), for code that runs outside vitest.
export { countRoundTrips } from './count-round-trips'

export type RedisContractFactory = () => RedisClient | Promise<RedisClient>

export type RedisContractOptions = {
  /**
   * A client of the same driver whose server is down (stopped after connecting, or never
   * reachable), used to prove the helpers degrade to null/false. Without it, those tests
   * use a closed client instead.
   * @default undefined
   */
  unreachable?: () => RedisClient | Promise<RedisClient>
  /**
   * Whether the driver reports writes through `track()` (server-assisted invalidation). A
   * driver that cannot (no server push, like REST) must reject with `E_UNSUPPORTED`.
   * @default true
   */
  tracks?: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate() && Date.now() < deadline) await sleep(10)
}

async function rejection(promise: Promise<unknown>): Promise<RedisError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RedisError) return error
    throw new Error(`expected a RedisError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected the call to reject')
}

/**
 * The behaviour every hotpath driver must share, as one vitest suite. Run it against your
 * own driver with `registerRedisContractSuite('my driver', () => createMyRedis())`.
 *
 * The suite only touches keys under a random prefix, never flushes, and puts keys used
 * together in one command under a `{hash tag}`, so it runs on a shared server or cluster.
 */
export function registerRedisContractSuite(
  name: string,
  factory: RedisContractFactory,
  options: RedisContractOptions = {},
): void {
  describe(`RedisClient contract: ${name}`, () => {
    let redis: RedisClient
    const run = `hp:contract:${Math.random().toString(36).slice(2, 10)}`
    let counter = 0
    /** A fresh key; keys sharing a `tag` share a cluster slot. */
    const key = (label: string, tag?: string) =>
      tag === undefined ? `${run}:${label}:${++counter}` : `{${run}:${tag}}:${label}:${++counter}`

    beforeAll(async () => {
      redis = await factory()
    })
    afterAll(async () => {
      await redis?.close()
    })

    describe('strings', () => {
      it('get() returns null for a missing key', async () => {
        expect(await redis.get(key('missing'))).toBeNull()
      })

      it('set() then get() returns the exact string, including empty and non-ASCII values', async () => {
        for (const value of ['', 'plain', 'héllo ✓ 🚀', ' padded ', '{"json":true}', '42']) {
          const k = key('roundtrip')
          expect(await redis.set(k, value)).toBe('OK')
          expect(await redis.get(k)).toBe(value)
        }
      })

      it('a value that starts with a byte-order mark (U+FEFF) keeps it, in every reply shape', async () => {
        // A UTF-8 decoder that is not told otherwise strips a leading BOM: the SDK's does.
        const value = '\ufeffabc'
        const [s, h, l] = [key('s', 'bom'), key('h', 'bom'), key('l', 'bom')]
        await redis.set(s, value)
        await redis.hset(h, { f: value })
        await redis.rpush(l, value, '\ufeff')
        expect(await redis.get(s)).toBe(value)
        expect(await redis.mget([s])).toEqual([value])
        expect(await redis.hget(h, 'f')).toBe(value)
        expect(await redis.hgetall(h)).toEqual({ f: value })
        expect(await redis.lrange(l, 0, -1)).toEqual([value, '\ufeff'])
        const results = await redis.pipeline([['GET', s]])
        expect(results).toEqual([value])
      })

      it('set() with nx keeps the existing value and returns null', async () => {
        const k = key('nx')
        await redis.set(k, 'first')
        expect(await redis.set(k, 'second', { nx: true })).toBeNull()
        expect(await redis.get(k)).toBe('first')
      })

      it('set() with xx on a missing key writes nothing and returns null', async () => {
        const k = key('xx')
        expect(await redis.set(k, 'v', { xx: true })).toBeNull()
        expect(await redis.get(k)).toBeNull()
      })

      it('set() with get returns the previous value, or null when there was none', async () => {
        const k = key('setget')
        expect(await redis.set(k, 'a', { get: true })).toBeNull()
        expect(await redis.set(k, 'b', { get: true })).toBe('a')
        expect(await redis.get(k)).toBe('b')
      })

      it('set() rejects a non-positive or fractional expiry with E_INVALID_ARGUMENT', async () => {
        for (const ex of [0, -1, 1.5]) {
          const error = await rejection(redis.set(key('badex'), 'v', { ex }))
          expect(error.code).toBe('E_INVALID_ARGUMENT')
        }
      })

      it('mget() returns values in order with null for missing keys and keys of another type', async () => {
        const [a, b, h] = [key('a', 'mget'), key('b', 'mget'), key('h', 'mget')]
        await redis.set(a, '1')
        await redis.hset(h, { f: 'v' })
        expect(await redis.mget([a, b, h])).toEqual(['1', null, null])
        expect(await redis.mget([])).toEqual([])
      })

      it('mset() writes every entry', async () => {
        const [a, b] = [key('a', 'mset'), key('b', 'mset')]
        expect(await redis.mset({ [a]: 'x', [b]: 'y' })).toBe('OK')
        expect(await redis.mget([a, b])).toEqual(['x', 'y'])
      })

      it('getdel() returns the value once and removes the key', async () => {
        const k = key('getdel')
        await redis.set(k, 'v')
        expect(await redis.getdel(k)).toBe('v')
        expect(await redis.getdel(k)).toBeNull()
        expect(await redis.exists(k)).toBe(0)
      })

      it('incr(), incrby() and decr() count from zero for a missing key and return numbers', async () => {
        const k = key('counter')
        expect(await redis.incr(k)).toBe(1)
        expect(await redis.incrby(k, 10)).toBe(11)
        expect(await redis.incrby(k, -3)).toBe(8)
        expect(await redis.decr(k)).toBe(7)
        expect(await redis.get(k)).toBe('7')
      })

      it('del(), unlink() and exists() count only keys that exist', async () => {
        const [a, b, c] = [key('a', 'del'), key('b', 'del'), key('c', 'del')]
        await redis.mset({ [a]: '1', [b]: '2', [c]: '3' })
        expect(await redis.exists(a, b, key('none', 'del'))).toBe(2)
        expect(await redis.del(a, key('none', 'del'))).toBe(1)
        expect(await redis.unlink(b, c)).toBe(2)
        expect(await redis.exists(a, b, c)).toBe(0)
        expect(await redis.del()).toBe(0)
      })
    })

    describe('expiry', () => {
      it('ttl() is -2 for a missing key and -1 for a key without expiry', async () => {
        const k = key('ttl')
        expect(await redis.ttl(k)).toBe(-2)
        expect(await redis.pttl(k)).toBe(-2)
        await redis.set(k, 'v')
        expect(await redis.ttl(k)).toBe(-1)
        expect(await redis.pttl(k)).toBe(-1)
      })

      it('set() with ex and px sets the expiry in seconds and milliseconds', async () => {
        const a = key('ex')
        const b = key('px')
        await redis.set(a, 'v', { ex: 100 })
        await redis.set(b, 'v', { px: 50_000 })
        const ttl = await redis.ttl(a)
        expect(ttl).toBeGreaterThan(95)
        expect(ttl).toBeLessThanOrEqual(100)
        const pttl = await redis.pttl(b)
        expect(pttl).toBeGreaterThan(45_000)
        expect(pttl).toBeLessThanOrEqual(50_000)
      })

      it('a plain set() clears the expiry and set() with keepTtl keeps it', async () => {
        const k = key('keepttl')
        await redis.set(k, 'v', { ex: 100 })
        await redis.set(k, 'w', { keepTtl: true })
        expect(await redis.ttl(k)).toBeGreaterThan(90)
        expect(await redis.get(k)).toBe('w')
        await redis.set(k, 'x')
        expect(await redis.ttl(k)).toBe(-1)
      })

      it('expire(), pexpire() and persist() return 1 for an existing key and 0 for a missing one', async () => {
        const k = key('expire')
        expect(await redis.expire(k, 100)).toBe(0)
        expect(await redis.pexpire(k, 100_000)).toBe(0)
        await redis.set(k, 'v')
        expect(await redis.expire(k, 100)).toBe(1)
        expect(await redis.ttl(k)).toBeGreaterThan(90)
        expect(await redis.pexpire(k, 200_000)).toBe(1)
        expect(await redis.ttl(k)).toBeGreaterThan(190)
        expect(await redis.persist(k)).toBe(1)
        expect(await redis.ttl(k)).toBe(-1)
        expect(await redis.persist(k)).toBe(0)
      })

      it('a key is gone once its expiry has passed', async () => {
        const k = key('expires')
        await redis.set(k, 'v', { px: 100 })
        expect(await redis.get(k)).toBe('v')
        await sleep(250)
        expect(await redis.get(k)).toBeNull()
        expect(await redis.exists(k)).toBe(0)
        expect(await redis.ttl(k)).toBe(-2)
      })
    })

    describe('hashes', () => {
      it('hgetall() returns {} for a missing key', async () => {
        expect(await redis.hgetall(key('nohash'))).toEqual({})
      })

      it('hset() counts new fields and hget()/hgetall() read them back', async () => {
        const k = key('hash')
        expect(await redis.hset(k, { a: '1', b: 'two' })).toBe(2)
        expect(await redis.hset(k, { a: 'one', c: '3' })).toBe(1)
        expect(await redis.hget(k, 'a')).toBe('one')
        expect(await redis.hget(k, 'missing')).toBeNull()
        expect(await redis.hgetall(k)).toEqual({ a: 'one', b: 'two', c: '3' })
      })

      it('hdel() counts removed fields and hincrby() returns the new number', async () => {
        const k = key('hash')
        await redis.hset(k, { a: '1', b: '2' })
        expect(await redis.hdel(k, 'a', 'zz')).toBe(1)
        expect(await redis.hincrby(k, 'b', 5)).toBe(7)
        expect(await redis.hincrby(k, 'new', -2)).toBe(-2)
        expect(await redis.hgetall(k)).toEqual({ b: '7', new: '-2' })
      })
    })

    describe('sets', () => {
      it('sadd(), srem(), smembers(), sismember() and scard() agree', async () => {
        const k = key('set')
        expect(await redis.sadd(k, 'a', 'b', 'c', 'a')).toBe(3)
        expect(await redis.sadd(k, 'a')).toBe(0)
        expect(await redis.srem(k, 'b', 'zz')).toBe(1)
        expect((await redis.smembers(k)).sort()).toEqual(['a', 'c'])
        expect(await redis.sismember(k, 'a')).toBe(1)
        expect(await redis.sismember(k, 'b')).toBe(0)
        expect(await redis.scard(k)).toBe(2)
        expect(await redis.smembers(key('noset'))).toEqual([])
        expect(await redis.scard(key('noset'))).toBe(0)
      })
    })

    describe('sorted sets', () => {
      const seed = async (k: string) =>
        redis.zadd(k, [
          { member: 'a', score: 1 },
          { member: 'b', score: 2.5 },
          { member: 'c', score: 3 },
        ])

      it('zadd() counts new members and zscore() returns a number, or null when absent', async () => {
        const k = key('zset')
        expect(await seed(k)).toBe(3)
        expect(await redis.zadd(k, [{ member: 'a', score: 10 }])).toBe(0)
        expect(await redis.zscore(k, 'a')).toBe(10)
        expect(await redis.zscore(k, 'b')).toBe(2.5)
        expect(await redis.zscore(k, 'none')).toBeNull()
        expect(await redis.zscore(key('nozset'), 'a')).toBeNull()
      })

      it('zadd() with nx leaves existing scores alone', async () => {
        const k = key('zset')
        await seed(k)
        expect(
          await redis.zadd(
            k,
            [
              { member: 'a', score: 99 },
              { member: 'd', score: 4 },
            ],
            { nx: true },
          ),
        ).toBe(1)
        expect(await redis.zscore(k, 'a')).toBe(1)
      })

      it('zrange() and zrangeWithScores() order by score, rev from highest', async () => {
        const k = key('zset')
        await seed(k)
        expect(await redis.zrange(k, 0, -1)).toEqual(['a', 'b', 'c'])
        expect(await redis.zrange(k, 0, 1, { rev: true })).toEqual(['c', 'b'])
        expect(await redis.zrangeWithScores(k, 0, -1)).toEqual([
          { member: 'a', score: 1 },
          { member: 'b', score: 2.5 },
          { member: 'c', score: 3 },
        ])
        expect(await redis.zrangeWithScores(k, 0, 0, { rev: true })).toEqual([
          { member: 'c', score: 3 },
        ])
        expect(await redis.zrange(key('nozset'), 0, -1)).toEqual([])
      })

      it('zincrby() returns the new score as a number', async () => {
        const k = key('zset')
        expect(await redis.zincrby(k, 1.5, 'x')).toBe(1.5)
        expect(await redis.zincrby(k, 2, 'x')).toBe(3.5)
      })

      it('zrank() counts from the lowest, or the highest with rev, and is null when absent', async () => {
        const k = key('zset')
        await seed(k)
        expect(await redis.zrank(k, 'a')).toBe(0)
        expect(await redis.zrank(k, 'a', { rev: true })).toBe(2)
        expect(await redis.zrank(k, 'none')).toBeNull()
      })

      it('zcount() and zremrangebyscore() accept infinite and exclusive bounds', async () => {
        const k = key('zset')
        await seed(k)
        expect(await redis.zcard(k)).toBe(3)
        expect(await redis.zcount(k, '-inf', '+inf')).toBe(3)
        expect(await redis.zcount(k, '(1', 3)).toBe(2)
        expect(await redis.zremrangebyscore(k, '-inf', '(2.5')).toBe(1)
        expect(await redis.zrem(k, 'b', 'none')).toBe(1)
        expect(await redis.zrange(k, 0, -1)).toEqual(['c'])
      })
    })

    describe('lists', () => {
      it('lpush(), rpush(), lrange() and llen() keep order', async () => {
        const k = key('list')
        expect(await redis.rpush(k, 'b', 'c')).toBe(2)
        expect(await redis.lpush(k, 'a')).toBe(3)
        expect(await redis.lrange(k, 0, -1)).toEqual(['a', 'b', 'c'])
        expect(await redis.llen(k)).toBe(3)
        expect(await redis.lrange(key('nolist'), 0, -1)).toEqual([])
      })

      it('lpop() and rpop() return null on an empty or missing list', async () => {
        const k = key('list')
        await redis.rpush(k, 'a', 'b')
        expect(await redis.lpop(k)).toBe('a')
        expect(await redis.rpop(k)).toBe('b')
        expect(await redis.lpop(k)).toBeNull()
        expect(await redis.rpop(k)).toBeNull()
        expect(await redis.exists(k)).toBe(0)
      })

      it('lmove() moves between lists in one slot and returns null from an empty source', async () => {
        const [a, b] = [key('src', 'lmove'), key('dst', 'lmove')]
        await redis.rpush(a, '1', '2')
        expect(await redis.lmove(a, b, 'LEFT', 'RIGHT')).toBe('1')
        expect(await redis.lmove(a, b, 'RIGHT', 'LEFT')).toBe('2')
        expect(await redis.lmove(a, b, 'LEFT', 'LEFT')).toBeNull()
        expect(await redis.lrange(b, 0, -1)).toEqual(['2', '1'])
      })

      it('ltrim() keeps the range and lrem() removes matching values', async () => {
        const k = key('list')
        await redis.rpush(k, 'a', 'x', 'b', 'x', 'c')
        expect(await redis.lrem(k, 0, 'x')).toBe(2)
        expect(await redis.ltrim(k, 0, 1)).toBe('OK')
        expect(await redis.lrange(k, 0, -1)).toEqual(['a', 'b'])
      })
    })

    describe('wrong types', () => {
      const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'

      it('commands against a key of another type reject with E_COMMAND and the server message', async () => {
        const s = key('string')
        const h = key('hash')
        await redis.set(s, 'v')
        await redis.hset(h, { f: '1' })
        const attempts: (() => Promise<unknown>)[] = [
          () => redis.get(h),
          () => redis.incr(h),
          () => redis.hget(s, 'f'),
          () => redis.hgetall(s),
          () => redis.lpush(s, 'x'),
          () => redis.lrange(s, 0, -1),
          () => redis.sadd(s, 'x'),
          () => redis.smembers(h),
          () => redis.zadd(s, [{ member: 'm', score: 1 }]),
          () => redis.zscore(h, 'm'),
          () => redis.set(h, 'v', { get: true }),
        ]
        for (const attempt of attempts) {
          const error = await rejection(attempt())
          expect(error.code).toBe('E_COMMAND')
          expect(error.message).toBe(WRONGTYPE)
        }
      })

      it('incr() on a non-integer string rejects with E_COMMAND', async () => {
        const k = key('text')
        await redis.set(k, 'abc')
        const error = await rejection(redis.incr(k))
        expect(error.code).toBe('E_COMMAND')
        expect(error.message).toBe('ERR value is not an integer or out of range')
      })

      it('set() without get overwrites a key of any type', async () => {
        const k = key('overwrite')
        await redis.rpush(k, 'a')
        expect(await redis.set(k, 'v')).toBe('OK')
        expect(await redis.get(k)).toBe('v')
      })
    })

    describe('scan', () => {
      const collect = async (match: string, count?: number) => {
        const seen = new Set<string>()
        let batches = 0
        for await (const batch of redis.scan(count === undefined ? { match } : { match, count })) {
          batches++
          for (const k of batch) seen.add(k)
        }
        return { keys: [...seen].sort(), batches }
      }

      it('scan() with MATCH finds every matching key, wherever it lives, and nothing else', async () => {
        const base = key('scan')
        // Untagged keys spread over every slot, so on a cluster they land on every master.
        const keys = Array.from({ length: 60 }, (_, i) => `${base}:item:${i}`)
        await Promise.all(keys.map((k) => redis.set(k, '1')))
        await redis.set(`${base}:other`, '1')
        const { keys: found } = await collect(`${base}:item:*`)
        expect(found).toEqual([...keys].sort())
      })

      it('scan() with a small COUNT still returns every key, over several batches', async () => {
        const base = key('scancount')
        const keys = Array.from({ length: 30 }, (_, i) => `${base}:${i}`)
        await Promise.all(keys.map((k) => redis.set(k, '1')))
        const { keys: found, batches } = await collect(`${base}:*`, 5)
        expect(found).toEqual([...keys].sort())
        expect(batches).toBeGreaterThan(1)
      })

      it('scan() MATCH reads ( ) { } . + as literals, ? as exactly one character and \\ as an escape', async () => {
        const base = key('scanglob')
        const keys = ['(a)', '(ab)', '{t}', 'x.y', 'x+y', 'q', '*', '[s]'].map(
          (k) => `${base}:${k}`,
        )
        await Promise.all(keys.map((k) => redis.set(k, '1')))
        expect((await collect(`${base}:(*)`)).keys).toEqual([`${base}:(a)`, `${base}:(ab)`])
        expect((await collect(`${base}:(?)`)).keys).toEqual([`${base}:(a)`])
        expect((await collect(`${base}:{t}`)).keys).toEqual([`${base}:{t}`])
        expect((await collect(`${base}:x.y`)).keys).toEqual([`${base}:x.y`])
        expect((await collect(`${base}:\\*`)).keys).toEqual([`${base}:*`])
        expect((await collect(`${base}:\\[s]`)).keys).toEqual([`${base}:[s]`])
        expect((await collect(`${base}:[^(x{*]`)).keys).toEqual([`${base}:q`])
      })

      it('scan() with a pattern that matches nothing yields no batch', async () => {
        const { keys, batches } = await collect(`${key('nothing')}:*`)
        expect(keys).toEqual([])
        expect(batches).toBe(0)
      })
    })

    describe('scripts', () => {
      it('eval() returns integers as numbers, false as null, true as 1, and truncates floats', async () => {
        expect(await redis.eval('return {1, "two", false, true, 3.7}', [], [])).toEqual([
          1,
          'two',
          null,
          1,
          3,
        ])
        expect(await redis.eval('return nil', [], [])).toBeNull()
      })

      it('eval() passes KEYS and ARGV, and scripts see the data', async () => {
        const k = key('evalkey')
        await redis.set(k, '41')
        expect(await redis.eval('return redis.call("INCRBY", KEYS[1], ARGV[1])', [k], [1])).toBe(42)
      })

      it('a multi-key script runs on keys that share a hash tag', async () => {
        const [a, b] = [key('a', 'script'), key('b', 'script')]
        await redis.mset({ [a]: '2', [b]: '3' })
        const sum = defineScript(
          'return tonumber(redis.call("GET", KEYS[1])) + tonumber(redis.call("GET", KEYS[2]))',
        )
        expect(await runScript(redis, sum, [a, b], [])).toBe(5)
      })

      it('scripts compute with Lua 5.1 numbers: doubles past 2^31, printed by tostring() without a .0', async () => {
        const source = `local seconds, micros = tonumber(ARGV[1]), tonumber(ARGV[2])
return {string.format('%.0f', seconds * 1000000 + micros), tostring(tonumber(ARGV[3]) * 2), tostring(tonumber(ARGV[4]))}`
        expect(await redis.eval(source, [], ['1796089690', '531783', '21', '1e20'])).toEqual([
          '1796089690531783',
          '42',
          '1e+20',
        ])
      })

      it('TIME answers the wall clock in seconds and microseconds, from a command and inside a script', async () => {
        const before = Date.now()
        const replies = [
          await redis.call(['TIME']),
          await redis.eval("return redis.call('TIME')", [], []),
        ]
        const after = Date.now()
        for (const reply of replies) {
          expect(reply).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)])
          const [seconds, micros] = (reply as string[]).map(Number) as [number, number]
          expect(micros).toBeLessThan(1_000_000)
          // Slack for a server on another machine, whose clock may be a little off ours.
          const ms = seconds * 1000 + micros / 1000
          expect(ms).toBeGreaterThanOrEqual(before - 250)
          expect(ms).toBeLessThanOrEqual(after + 250)
        }
      })

      it('an error raised by a script rejects with E_COMMAND and the line it came from', async () => {
        const error = await rejection(redis.eval("local x = 1\nerror('boom')", [], []))
        expect(error.code).toBe('E_COMMAND')
        expect(error.message).toMatch(/^ERR user_script:2: boom/)
      })

      it('scriptLoad() returns the SHA1 that defineScript() computes', async () => {
        const script = defineScript(`return "${run}:load"`)
        expect(await redis.scriptLoad(script.source)).toBe(script.sha1)
        expect(await redis.evalsha(script.sha1, [], [])).toBe(`${run}:load`)
      })

      it('evalsha() of an unknown script rejects with E_COMMAND and NOSCRIPT', async () => {
        const script = defineScript(`return "${run}:${Math.random()}"`)
        const error = await rejection(redis.evalsha(script.sha1, [], []))
        expect(error.code).toBe('E_COMMAND')
        expect(error.message).toMatch(/^NOSCRIPT/)
      })

      it('runScript() falls back to EVAL on NOSCRIPT, after which EVALSHA succeeds', async () => {
        const k = key('runscript')
        const script = defineScript(
          `-- ${run}:${Math.random()}\nreturn redis.call("INCR", KEYS[1])`,
        )
        expect(await runScript(redis, script, [k], [])).toBe(1)
        expect(await redis.evalsha(script.sha1, [k], [])).toBe(2)
      })
    })

    describe('pipelines', () => {
      it('pipeline() returns one RESP2 reply per command, in order', async () => {
        const k = key('pipe')
        const z = key('pipez')
        const replies = await redis.pipeline([
          ['SET', k, 'v'],
          ['GET', k],
          ['INCR', key('pipecount')],
          ['GET', key('pipemissing')],
          ['ZADD', z, 1.5, 'm'],
          ['ZSCORE', z, 'm'],
        ])
        expect(replies).toEqual(['OK', 'v', 1, null, 1, '1.5'])
      })

      it('pipeline() runs commands whose keys live in different slots', async () => {
        const keys = Array.from({ length: 20 }, (_, i) => key(`spread${i}`))
        const replies = await redis.pipeline(keys.map((k, i) => ['SET', k, String(i)] as const))
        expect(replies).toEqual(keys.map(() => 'OK'))
        expect(await redis.pipeline(keys.map((k) => ['GET', k] as const))).toEqual(
          keys.map((_, i) => String(i)),
        )
      })

      it('pipeline() rejects with E_PIPELINE naming the first failed command, and the others still ran', async () => {
        const h = key('pipehash')
        const after = key('pipeafter')
        await redis.hset(h, { f: '1' })
        const error = await rejection(
          redis.pipeline([
            ['GET', key('ok')],
            ['INCR', h],
            ['SET', after, 'ran'],
          ]),
        )
        expect(error.code).toBe('E_PIPELINE')
        expect(error.index).toBe(1)
        expect(error.message).toContain('WRONGTYPE')
        expect(await redis.get(after)).toBe('ran')
      })

      it('an empty pipeline() resolves to []', async () => {
        expect(await redis.pipeline([])).toEqual([])
      })
    })

    describe('call()', () => {
      it('call() runs a command the interface lacks and returns its RESP2 reply', async () => {
        const k = key('call')
        await redis.set(k, 'hello')
        expect(await redis.call(['STRLEN', k])).toBe(5)
        expect(await redis.call(['TYPE', k])).toBe('string')
        expect(await redis.call(['HGETALL', key('nocall')])).toEqual([])
      })
    })

    describe('unicode', () => {
      // Redis stores bytes: a lone UTF-16 surrogate has no UTF-8 form, and a driver that
      // wrote U+FFFD for it would make 'user:\ud800' and 'user:\udbff' one key.
      it('refuses a key with a lone surrogate with E_INVALID_ARGUMENT and writes nothing', async () => {
        const base = key('lone', 'lone')
        for (const lone of ['\ud800', '\udbff', '\udc00', 'a\udfffb', '\ud83d']) {
          expect((await rejection(redis.set(`${base}:${lone}`, 'alice'))).code).toBe(
            'E_INVALID_ARGUMENT',
          )
          expect((await rejection(redis.get(`${base}:${lone}`))).code).toBe('E_INVALID_ARGUMENT')
          expect((await rejection(redis.del(`${base}:${lone}`))).code).toBe('E_INVALID_ARGUMENT')
        }
        expect(await redis.exists(`${base}:\ufffd`, `${base}:a\ufffdb`)).toBe(0)
      })

      it('refuses a lone surrogate in a value, field, member or pipelined command', async () => {
        const k = key('lonevalue')
        const refused = [
          redis.set(k, 'x\ud800'),
          redis.hset(k, { 'f\udc00': 'v' }),
          redis.sadd(k, '\udbff'),
          redis.zadd(k, [{ score: 1, member: '\ud800' }]),
          redis.rpush(k, '\udfff'),
          redis.publish(k, '\ud800'),
          redis.call(['SET', k, '\ud800']),
          redis.pipeline([
            ['SET', k, 'fine'],
            ['SET', `${k}:\ud800`, 'v'],
          ]),
        ]
        for (const call of refused) expect((await rejection(call)).code).toBe('E_INVALID_ARGUMENT')
        // the pipeline was refused whole: its first command did not run either
        expect(await redis.exists(k)).toBe(0)
      })

      it('keeps astral characters, a BOM and U+FFFD itself in keys and values exactly', async () => {
        const base = key('astral')
        const texts = ['😀', '𝄞x', 'a\ufeffb', '\ufeff', '\ufffd', 'é\u0301']
        for (const [index, text] of texts.entries()) {
          const k = `${base}:${text}`
          await redis.set(k, `v${index}${text}`)
        }
        for (const [index, text] of texts.entries()) {
          expect(await redis.get(`${base}:${text}`)).toBe(`v${index}${text}`)
        }
      })
    })

    describe('serialization', () => {
      const values: [string, unknown][] = [
        ['a Date', new Date('2024-02-29T12:34:56.789Z')],
        [
          'a Map',
          new Map<unknown, unknown>([
            ['a', 1],
            [2, { b: [3] }],
          ]),
        ],
        ['a Set', new Set(['x', 1, null])],
        ['a BigInt', 12345678901234567890n],
        ['a JSON-looking string', '{"a":1}'],
        ['a string that looks like a number', '42'],
        ['a string that looks like an envelope', '{"__hotpath":1,"json":"x"}'],
        ['an object with the envelope marker', { __hotpath: 1, json: 'x', meta: {} }],
        [
          'nested values',
          { when: new Date(0), tags: new Set(['a']), n: 1n, list: [1, 'two', null, true] },
        ],
        ['null', null],
        ['a number', 3.25],
        ['an empty string', ''],
      ]
      for (const [label, value] of values) {
        it(`${label} round-trips through the driver unchanged`, async () => {
          const k = key('serial')
          await redis.set(k, serialize(value))
          const raw = await redis.get(k)
          expect(raw).not.toBeNull()
          const result = deserialize(raw ?? '')
          expect(result).toEqual({ ok: true, value })
        })
      }
    })

    describe('cache helpers', () => {
      it('setCache() without ttl stores without expiry, and getCache() reads the value back', async () => {
        const helpers = createCacheHelpers(redis)
        const k = key('helper')
        expect(await helpers.setCache(k, { at: new Date(5) })).toBe(true)
        expect(await redis.ttl(k)).toBe(-1)
        expect(await helpers.getCache<{ at: Date }>(k)).toEqual({ at: new Date(5) })
      })

      it('setCache() with a ttl sets the expiry in seconds', async () => {
        const helpers = createCacheHelpers(redis)
        const k = key('helperttl')
        expect(await helpers.setCache(k, 'v', 60)).toBe(true)
        const ttl = await redis.ttl(k)
        expect(ttl).toBeGreaterThan(55)
        expect(ttl).toBeLessThanOrEqual(60)
      })

      it('setCache() rejects a ttl that is not a positive integer with E_INVALID_ARGUMENT', async () => {
        const helpers = createCacheHelpers(redis)
        for (const ttl of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          const error = await rejection(helpers.setCache(key('badttl'), 'v', ttl))
          expect(error.code).toBe('E_INVALID_ARGUMENT')
        }
      })

      it('getCache() returns null for a missing key and for a corrupt stored value', async () => {
        const helpers = createCacheHelpers(redis)
        const k = key('corrupt')
        await redis.set(k, '{not json')
        expect(await helpers.getCache(k)).toBeNull()
        expect(await helpers.getCache(key('absent'))).toBeNull()
      })

      it('getCache() returns null for a key holding another type instead of throwing', async () => {
        const helpers = createCacheHelpers(redis)
        const k = key('helperhash')
        await redis.hset(k, { f: '1' })
        expect(await helpers.getCache(k)).toBeNull()
      })

      it('the helpers accept a key object such as a KeyRef', async () => {
        const helpers = createCacheHelpers(redis)
        const ref = { key: key('ref'), toString: () => 'ignored' }
        expect(await helpers.setCache(ref, [1, 2])).toBe(true)
        expect(await helpers.getCache(ref)).toEqual([1, 2])
        expect(await redis.get(ref.key)).toBe('[1,2]')
      })

      it('deleteCache() removes the key and returns true', async () => {
        const helpers = createCacheHelpers(redis)
        const k = key('helperdel')
        await helpers.setCache(k, 'v')
        expect(await helpers.deleteCache(k)).toBe(true)
        expect(await helpers.getCache(k)).toBeNull()
      })

      it('without a client the helpers return null and false', async () => {
        const helpers = createCacheHelpers(null)
        expect(await helpers.getCache('k')).toBeNull()
        expect(await helpers.setCache('k', 'v', 10)).toBe(false)
        expect(await helpers.deleteCache('k')).toBe(false)
      })

      it('with the server down the helpers return null and false without throwing', async () => {
        let down: RedisClient
        if (options.unreachable) {
          down = await options.unreachable()
        } else {
          down = await factory()
          await down.close()
        }
        try {
          const helpers = createCacheHelpers(down)
          expect(await helpers.getCache(key('down'))).toBeNull()
          expect(await helpers.setCache(key('down'), 'v', 10)).toBe(false)
          expect(await helpers.deleteCache(key('down'))).toBe(false)
        } finally {
          await down.close()
        }
      })
    })

    describe('pub/sub', () => {
      it('subscribe() delivers published messages until unsubscribed', async () => {
        const channel = key('channel')
        const received: [string, string][] = []
        const unsubscribe = await redis.subscribe(channel, (message, from) =>
          received.push([message, from]),
        )
        expect(typeof (await redis.publish(channel, 'one'))).toBe('number')
        await waitFor(() => received.length >= 1)
        expect(received).toEqual([['one', channel]])
        await unsubscribe()
        await redis.publish(channel, 'two')
        await sleep(100)
        expect(received).toEqual([['one', channel]])
      })
    })

    describe('tracking', () => {
      if (options.tracks === false) {
        it('track() rejects with E_UNSUPPORTED', async () => {
          if (!redis.track) return expect(redis.track).toBeUndefined()
          expect((await rejection(redis.track([key('none')], () => {}))).code).toBe('E_UNSUPPORTED')
        })
        return
      }

      it('track() reports writes, deletes, expiries set and script writes under its prefixes, and nothing else', async () => {
        if (!redis.track) throw new Error('this client has no track(); pass { tracks: false }')
        const prefix = `{${run}:track}:${++counter}:`
        const events: TrackingEvent[] = []
        const stop = await redis.track([prefix], (event) => events.push(event))
        const invalidated = () =>
          events.flatMap((e) => (e.type === 'invalidate' ? [...e.keys] : []))
        try {
          await redis.set(`${prefix}a`, '1')
          await redis.set(key('outside'), '1')
          await redis.hset(`${prefix}h`, { f: 'v' })
          await redis.expire(`${prefix}a`, 100)
          await redis.del(`${prefix}h`)
          await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", [`${prefix}s`], ['x'])
          await redis.get(`${prefix}a`)
          await waitFor(() => invalidated().length >= 5)
          expect(invalidated()).toEqual([
            `${prefix}a`,
            `${prefix}h`,
            `${prefix}a`,
            `${prefix}h`,
            `${prefix}s`,
          ])
          expect(events.every((e) => e.type === 'invalidate')).toBe(true)
        } finally {
          await stop()
        }
        await redis.set(`${prefix}a`, '2')
        await sleep(100)
        expect(invalidated()).toHaveLength(5)
      })
    })

    it('ping() answers PONG', async () => {
      expect(await redis.ping()).toBe('PONG')
    })
  })
}
