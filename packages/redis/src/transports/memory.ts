import { getKeyIndexes, hasFlag } from '@ioredis/commands'
import RedisMock from 'ioredis-mock'
import { errors, RedisError } from '../errors'
import { globMatcher } from '../glob'
import { sha1Hex } from '../sha1'
import type { Command, TrackingListener } from '../types'
import { subscriptions } from './subscriptions'
import type { Sender, Settled, Transport } from './transport'

export type MemoryConnectionOptions = {
  /**
   * Clients created with the same namespace share one keyspace (like two connections to one
   * server). Without it every client gets a private, empty keyspace. @default undefined
   */
  namespace?: string
  /** An ioredis-mock instance you already have; hotpath leaves closing it to you. @default undefined */
  instance?: InstanceType<typeof RedisMock>
}

type Kind = 'string' | 'hash' | 'set' | 'zset' | 'list'

// Which kind of value each command's keys must hold; ioredis-mock does not check, Redis does.
const KINDS: Record<string, [Kind, 'first' | 'first-two']> = {}
const family = (kind: Kind, names: string, keys: 'first' | 'first-two' = 'first') => {
  for (const name of names.split(' ')) KINDS[name] = [kind, keys]
}
family('string', 'GET GETDEL INCR INCRBY DECR DECRBY APPEND STRLEN GETRANGE SETRANGE INCRBYFLOAT')
family('hash', 'HSET HGET HGETALL HDEL HINCRBY HMGET HLEN HEXISTS HKEYS HVALS HSETNX HINCRBYFLOAT')
family('set', 'SADD SREM SMEMBERS SISMEMBER SCARD SPOP SRANDMEMBER')
family(
  'zset',
  'ZADD ZINCRBY ZRANGE ZREVRANGE ZREM ZSCORE ZRANK ZREVRANK ZCARD ZCOUNT ZREMRANGEBYSCORE ZRANGEBYSCORE ZREVRANGEBYSCORE',
)
family('list', 'LPUSH RPUSH LPOP RPOP LRANGE LLEN LTRIM LREM LINDEX LSET')
family('list', 'LMOVE RPOPLPUSH', 'first-two')

const LUA_ERROR = /^Error trying to loading or executing lua code string in VM: \[string "[^"]*"\]:/
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
const INTEGER = /^-?\d{1,19}$/

type Store = { has(key: string): boolean; get(key: string): unknown }
type MockMethod = (...args: unknown[]) => Promise<unknown>

function kindOf(value: unknown): Kind {
  if (typeof value === 'string') return 'string'
  if (value instanceof Set) return 'set'
  if (value instanceof Map) return 'zset'
  if (Array.isArray(value)) return 'list'
  return 'hash'
}

/** TIME as Redis answers it: seconds and microseconds of the wall clock, as strings. */
function time(): [string, string] {
  // ioredis-mock rounds the seconds and takes the microseconds from process.hrtime(), whose
  // phase is unrelated to the wall clock, so its TIME drifts by up to 1.5 s and runs backwards.
  const ms = Date.now()
  return [String(Math.floor(ms / 1000)), String((ms % 1000) * 1000)]
}

/**
 * Lua 5.1 numbers, as Redis runs them. ioredis-mock runs fengari (Lua 5.3 with 32-bit
 * integers), where `tonumber(seconds) * 1000000` wraps to a negative number. Here numbers read
 * from strings are doubles, as every Lua 5.1 number is, and tostring() prints them with
 * `%.14g` (fengari's `%g` never switches to an exponent and its tostring appends `.0`).
 * Still unlike Redis: `..` prints a whole double as `5.0`, and arithmetic on integer literals
 * alone wraps past 2^31.
 */
const LUA_51_NUMBERS = `
local number, text, format, match, abs = tonumber, tostring, string.format, string.match, math.abs
local function g14(v)
  if v ~= v then return text(v) end
  if v == 1/0 then return 'inf' elseif v == -1/0 then return '-inf' end
  local mantissa, sign, digits = match(format('%.13e', v), '^(.-)e([-+]?)(%d+)$')
  local exponent = number(digits) * (sign == '-' and -1 or 1)
  if exponent < -4 or exponent >= 14 then
    return match(mantissa, '^(.-)%.?0*$') .. format('e%s%02d', sign == '-' and '-' or '+', abs(exponent))
  end
  local fixed = format('%.' .. (13 - exponent) .. 'f', v)
  if match(fixed, '%.') then fixed = match(fixed, '^(.-)%.?0*$') end
  return fixed
end
tonumber = function(...) local n = number(...) if n then return n + 0.0 end return n end
tostring = function(v) if type(v) == 'number' then return g14(v) end return text(v) end
`

/** `source` on one line, so a prelude made of it leaves the script's line numbers alone. */
const oneLine = (source: string) => source.replace(/\s*\n\s*/g, ' ')

// The prelude's fixed parts, joined once; only the clock changes per script.
const PRELUDE_HEAD = oneLine(`do ${LUA_51_NUMBERS} local upper = string.upper
local function timed(run) return function(name, ...)
  if type(name) == 'string' and upper(name) == 'TIME' then return {`)
const PRELUDE_TAIL = oneLine(`} end
  return run(name, ...)
end end
redis.call, redis.pcall = timed(redis.call), timed(redis.pcall) end `)

/**
 * Run before every script, on the script's first line so error line numbers stay its own:
 * Lua 5.1 numbers, and TIME from the wall clock (read once per script; scripts are short).
 */
function luaPrelude(): string {
  const [seconds, micros] = time()
  return `${PRELUDE_HEAD}'${seconds}', '${micros}'${PRELUDE_TAIL}`
}

/** Redis turns Lua false into nil and true into 1, and truncates numbers to integers. */
function luaReply(value: unknown): unknown {
  if (value === false || value === undefined) return null
  if (value === true) return 1
  if (typeof value === 'number') return Math.trunc(value)
  if (Array.isArray(value)) return value.map(luaReply)
  return value
}

function commandError(error: unknown, name: string): RedisError {
  if (error instanceof RedisError) return error
  let message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('Unsupported command')) message = `ERR unknown command '${name}'`
  return new RedisError(errors.E_COMMAND, message, { cause: error, command: name })
}

let privateStores = 0
let runs = 0

type Tracker = { prefixes: readonly string[]; listener: TrackingListener }
// Per keyspace (ioredis-mock host): every client sharing it reports its writes to all trackers,
// as a Redis server reports every connection's writes.
const trackers = new Map<string, Set<Tracker>>()

/** The keys a successful command wrote, as Redis tracking would report them; `null`: all. */
function writtenKeys(name: string, args: readonly (string | number)[]): string[] | null {
  if (name === 'FLUSHALL' || name === 'FLUSHDB') return null
  const strings = args.map(String)
  // A script may write any key it declares; Redis reports the ones it did write.
  if (name === 'EVAL' || name === 'EVALSHA' || name === 'FCALL') {
    return strings.slice(2, 2 + Number(strings[1] ?? 0))
  }
  const lower = name.toLowerCase()
  try {
    if (!hasFlag(lower, 'write')) return []
    return getKeyIndexes(lower, strings).map((index) => strings[index] as string)
  } catch {
    return []
  }
}

function report(space: string, keys: string[] | null): void {
  const listeners = trackers.get(space)
  if (!listeners || (keys !== null && keys.length === 0)) return
  for (const { prefixes, listener } of listeners) {
    if (keys === null) {
      listener({ type: 'flush' })
      continue
    }
    const matched =
      prefixes.length === 0 ? keys : keys.filter((k) => prefixes.some((p) => k.startsWith(p)))
    if (matched.length > 0) listener({ type: 'invalidate', keys: matched })
  }
}

export function createMemoryTransport(options: MemoryConnectionOptions = {}): Transport {
  // ioredis-mock shares data between instances with the same host:port; a unique host per
  // private client keeps tests from seeing each other's keys.
  const host =
    options.namespace === undefined
      ? `hotpath-memory-${++privateStores}`
      : `hotpath-ns-${options.namespace}`
  const mock = options.instance ?? new RedisMock({ host, port: 6379, lazyConnect: false })
  const store = Reflect.get(mock, 'data') as Store
  const scripts = Reflect.get(mock, 'shaScripts') as Record<string, string>
  const methods = new Map<string, MockMethod | undefined>()
  const method = (name: string): MockMethod | undefined => {
    let bound = methods.get(name)
    if (bound === undefined && !methods.has(name)) {
      const fn: unknown = Reflect.get(mock, name.toLowerCase())
      bound = typeof fn === 'function' ? (fn.bind(mock) as MockMethod) : undefined
      methods.set(name, bound)
    }
    return bound
  }

  const check = (name: string, args: readonly (string | number)[]) => {
    const rule = KINDS[name]
    if (!rule) return
    const keys = rule[1] === 'first' ? [args[0]] : [args[0], args[1]]
    for (const key of keys) {
      const k = String(key)
      if (store.has(k) && kindOf(store.get(k)) !== rule[0]) throw new Error(WRONGTYPE)
    }
    if (name === 'INCR' || name === 'INCRBY' || name === 'DECR' || name === 'DECRBY') {
      const current = store.get(String(args[0]))
      if (current !== undefined && !INTEGER.test(String(current))) {
        throw new Error('ERR value is not an integer or out of range')
      }
    }
    if (name === 'HINCRBY') {
      const hash = store.get(String(args[0])) as Record<string, unknown> | undefined
      const field = hash?.[String(args[1])]
      if (field !== undefined && !INTEGER.test(String(field)))
        throw new Error('ERR hash value is not an integer')
    }
  }

  const execute = async (name: string, args: (string | number)[]): Promise<unknown> => {
    if (name === 'GET') return method('GET')?.(...args)
    switch (name) {
      case 'SET':
        return set(args)
      case 'SCRIPT':
        return script(args)
      case 'MGET': {
        // Redis answers nil for keys that hold another type; the mock returns the raw value.
        const values = (await method('mget')?.(...args)) as unknown[]
        return values.map((value) => (typeof value === 'string' ? value : null))
      }
      case 'HGETALL': {
        const record = (await method('hgetall')?.(...args)) as Record<string, string>
        return Object.entries(record).flat()
      }
      case 'EVAL':
      case 'EVALSHA':
        return luaReply(await evaluate(name, args))
      case 'TIME':
        return time()
      // ioredis-mock turns a glob into a RegExp that breaks on `)` (every registry pattern has
      // one) and reads `?` as "zero or one": hotpath matches instead, as Redis does.
      case 'KEYS': {
        const all = (await method('keys')?.('*')) as string[]
        return all.filter(globMatcher(String(args[0] ?? '*')))
      }
      case 'SCAN':
        return scan(name, args, 1)
      case 'HSCAN':
      case 'SSCAN':
      case 'ZSCAN':
        return scan(name, args, 2)
    }
    const fn = method(name)
    if (!fn) throw new Error(`ERR unknown command '${name}'`)
    return fn(...args)
  }

  /** A SCAN-family command with its MATCH applied here; `at` is where its options start. */
  const scan = async (name: string, args: (string | number)[], at: number): Promise<unknown> => {
    const rest: (string | number)[] = []
    let matches: ((text: string) => boolean) | undefined
    for (let i = at; i < args.length; i++) {
      if (String(args[i]).toUpperCase() === 'MATCH' && i + 1 < args.length) {
        matches = globMatcher(String(args[++i]))
      } else {
        rest.push(args[i] as string | number)
      }
    }
    const reply = (await method(name)?.(...args.slice(0, at), ...rest)) as [string, string[]]
    if (!matches) return reply
    const [cursor, items] = reply
    // HSCAN and ZSCAN answer field, value pairs: the pattern tests the field.
    const step = name === 'HSCAN' || name === 'ZSCAN' ? 2 : 1
    const kept: string[] = []
    for (let i = 0; i < items.length; i += step) {
      if (matches(String(items[i]))) kept.push(...items.slice(i, i + step))
    }
    return [cursor, kept]
  }

  /** EVAL or EVALSHA, run with luaPrelude() in front of the script. */
  const evaluate = async (name: string, args: (string | number)[]): Promise<unknown> => {
    const [first, ...rest] = args
    let source: string | undefined
    if (name === 'EVAL') {
      source = String(first)
      // Redis keeps every script EVAL ran, so a later EVALSHA finds it.
      scripts[sha1Hex(source)] = source
    } else {
      source = scripts[String(first).toLowerCase()]
      if (source === undefined) throw new Error('NOSCRIPT No matching script. Please use EVAL.')
    }
    // The mock runs only scripts it stores. A slot no SHA-1 can name, removed once the script
    // has run (the mock runs it before it resolves), keeps one entry per call from piling up.
    const slot = `hotpath-run-${++runs}`
    scripts[slot] = luaPrelude() + source
    try {
      return await method('EVALSHA')?.(slot, ...rest)
    } catch (error) {
      // The mock names the chunk by its first line, now the prelude: name it as Redis does.
      if (!(error instanceof Error)) throw error
      throw new Error(error.message.replace(LUA_ERROR, 'ERR user_script:'), { cause: error })
    } finally {
      delete scripts[slot]
    }
  }

  const set = async (args: (string | number)[]): Promise<unknown> => {
    const [key, value, ...flags] = args.map(String)
    const upper = flags.map((f) => f.toUpperCase())
    if (
      upper.includes('GET') &&
      store.has(String(key)) &&
      kindOf(store.get(String(key))) !== 'string'
    ) {
      throw new Error(WRONGTYPE)
    }
    const keepTtl = upper.includes('KEEPTTL')
    const pttl = keepTtl ? Number(await mock.pttl(String(key))) : -1
    const rest = flags.filter((_, i) => upper[i] !== 'KEEPTTL')
    // The mock reads expiry flags in pairs, so GET must come last.
    const ordered = [
      ...rest.filter((f) => f.toUpperCase() !== 'GET'),
      ...(upper.includes('GET') ? ['GET'] : []),
    ]
    const reply = await method('set')?.(key, value, ...ordered)
    if (keepTtl && pttl > 0 && (reply !== null || upper.includes('GET')))
      await mock.pexpire(String(key), pttl)
    return reply
  }

  const script = (args: (string | number)[]): unknown => {
    const [sub, ...rest] = args.map(String)
    switch (sub?.toUpperCase()) {
      case 'LOAD': {
        const source = rest[0] ?? ''
        const sha = sha1Hex(source)
        scripts[sha] = source
        return sha
      }
      case 'EXISTS':
        return rest.map((sha) => (scripts[sha] ? 1 : 0))
      case 'FLUSH':
        for (const sha of Object.keys(scripts)) delete scripts[sha]
        return 'OK'
      default:
        throw new Error(`ERR unknown subcommand '${sub}'`)
    }
  }

  const send: Sender = (command: Command) => {
    const [name, ...args] = command
    try {
      check(name, args)
      const reply = execute(name, args).catch((error: unknown) => {
        throw commandError(error, name)
      })
      if (!trackers.has(host)) return reply
      // Reported once the write is done, before the writer sees its reply, as Redis does.
      return reply.then((value) => {
        report(host, writtenKeys(name, args))
        return value
      })
    } catch (error) {
      return Promise.reject(commandError(error, name))
    }
  }

  const subs = subscriptions(() => mock.duplicate(), commandError)
  const owned = new Set<Tracker>()

  return {
    driver: 'memory',
    send,
    pipeline: async (commands) => {
      const settled: Settled[] = []
      for (const command of commands) {
        try {
          settled.push({ ok: true, value: await send(command) })
        } catch (error) {
          settled.push({ ok: false, error: commandError(error, command[0]) })
        }
      }
      return settled
    },
    masters: async () => [send],
    subscribe: subs.subscribe,
    track: async (prefixes, listener) => {
      const tracker: Tracker = { prefixes: [...prefixes], listener }
      let set = trackers.get(host)
      if (!set) {
        set = new Set()
        trackers.set(host, set)
      }
      set.add(tracker)
      owned.add(tracker)
      return async () => {
        owned.delete(tracker)
        set.delete(tracker)
        if (set.size === 0) trackers.delete(host)
      }
    },
    close: async () => {
      await subs.close()
      for (const tracker of owned) trackers.get(host)?.delete(tracker)
      owned.clear()
      if (trackers.get(host)?.size === 0) trackers.delete(host)
      if (options.instance) return
      // A private keyspace is unreachable once its only client is gone; free it.
      if (options.namespace === undefined) await mock.flushall()
      mock.disconnect()
    },
  }
}
