import { type Attributes, type Telemetry, telemetry } from '@hotpath/core'
import { isIdempotent } from './commands'
import { Emitter } from './emitter'
import { connectionError, errors, RedisError } from './errors'
import {
  toNumber,
  toNumberOrNull,
  toRecord,
  toStringOrNull,
  toStrings,
  toZMembers,
} from './replies'
import { Resilience, type ResilienceOptions } from './resilience'
import {
  type Counters,
  HIT_RATE_DEFAULTS,
  newCounters,
  nextUtcMidnight,
  registerCounters,
  snapshot,
  utcDay,
} from './stats'
import type { Sender, Started, Transport } from './transports/transport'
import type {
  BreakerState,
  ClientEvents,
  ClientStats,
  Command,
  ManagedRedisClient,
  MessageHandler,
  ScanOptions,
  SetOptions,
  Unsubscribe,
  ZAddOptions,
  ZMember,
} from './types'
import { isWellFormed } from './unicode'

export type ClientOptions = ResilienceOptions & {
  /** Daily command budget (e.g. your Upstash plan); enables the `quota` event. @default undefined */
  dailyCommandQuota?: number
  /** Share of `dailyCommandQuota` at which `quota` fires, once per UTC day. @default 0.8 */
  quotaWarningShare?: number
  /** Called with the `quota` event payload. @default undefined */
  onQuotaWarning?: (usage: ClientEvents['quota']) => void
  /** `stats().isHealthy` holds while a window of cache reads hits above this share. @default 0.7 */
  hitRateThreshold?: number
  /** Cache reads (getCache) judged together for the hit-rate signal. @default 100 */
  hitRateWindow?: number
  /** Called with the `hitrate` event payload when a window drops to the threshold or below. @default undefined */
  onHitRateLow?: (payload: ClientEvents['hitrate']) => void
  /** Print `[hotpath] SET key ttl=…`, `HIT`, `MISS` lines. @default `LOG_LEVEL=debug` (any case) */
  debug?: boolean
}

function positiveInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RedisError(
      errors.E_INVALID_ARGUMENT,
      `${what} must be a positive integer, got ${String(value)}`,
    )
  }
}

/**
 * The refusal of a command with a string that is not well-formed Unicode (a lone surrogate),
 * or undefined. Refused before any driver sees it: tcp and the REST server would store
 * U+FFFD in its place, so `user:\ud800` and `user:\udbff` would alias, while memory would
 * keep them apart. Values hotpath serializes never hit this (JSON escapes lone surrogates).
 */
function malformed(command: Command, index?: number): RedisError | undefined {
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]
    if (typeof arg === 'string' && !isWellFormed(arg)) {
      const name = command[0]
      return new RedisError(
        errors.E_INVALID_ARGUMENT,
        `${name}: argument ${i} has a lone UTF-16 surrogate, which Redis cannot store reversibly` +
          `${index === undefined ? '' : ` (pipeline command ${index})`}`,
        index === undefined ? { command: name } : { command: name, index },
      )
    }
  }
  return undefined
}

function setArgs(key: string, value: string, options: SetOptions | undefined): (string | number)[] {
  const args: (string | number)[] = [key, value]
  if (!options) return args
  if (options.ex !== undefined) {
    positiveInteger(options.ex, 'set() ex')
    args.push('EX', options.ex)
  }
  if (options.px !== undefined) {
    positiveInteger(options.px, 'set() px')
    args.push('PX', options.px)
  }
  if (options.keepTtl) args.push('KEEPTTL')
  if (options.nx) args.push('NX')
  if (options.xx) args.push('XX')
  if (options.get) args.push('GET')
  const expiries =
    Number(options.ex !== undefined) +
    Number(options.px !== undefined) +
    Number(Boolean(options.keepTtl))
  if (expiries > 1 || (options.nx && options.xx)) {
    throw new RedisError(
      errors.E_INVALID_ARGUMENT,
      'set(): ex, px and keepTtl exclude each other, and so do nx and xx',
    )
  }
  return args
}

function hitRateOption(value: number | undefined, name: 'hitRateThreshold' | 'hitRateWindow') {
  if (value === undefined) {
    return name === 'hitRateThreshold' ? HIT_RATE_DEFAULTS.threshold : HIT_RATE_DEFAULTS.window
  }
  const ok =
    name === 'hitRateThreshold'
      ? Number.isFinite(value) && value >= 0 && value <= 1
      : Number.isSafeInteger(value) && value >= 1
  if (!ok) {
    throw new RedisError(
      errors.E_OPTION_INVALID,
      name === 'hitRateThreshold'
        ? `hitRateThreshold must be a share between 0 and 1, got ${String(value)}`
        : `hitRateWindow must be a whole number of reads ≥ 1, got ${String(value)}`,
    )
  }
  return value
}

/** Builds the full `RedisClient` over a transport: one place for reply shapes and resilience. */
export function createClient(
  transport: Transport,
  options: ClientOptions = {},
): ManagedRedisClient {
  const events = new Emitter<ClientEvents>()
  const quota = options.dailyCommandQuota
  const quotaShare = options.quotaWarningShare ?? 0.8
  if (options.onQuotaWarning) events.on('quota', options.onQuotaWarning)
  const counters: Counters = newCounters(options.debug)
  counters.threshold = hitRateOption(options.hitRateThreshold, 'hitRateThreshold')
  counters.windowSize = hitRateOption(options.hitRateWindow, 'hitRateWindow')
  if (options.onHitRateLow) events.on('hitrate', options.onHitRateLow)
  counters.onLow = (hitRate, reads) =>
    events.emit('hitrate', { hitRate, threshold: counters.threshold, reads })
  let nextDayAt = nextUtcMidnight()
  let quotaWarnedDay = ''
  let closed = false

  const count = (commands: number, now = Date.now()) => {
    counters.commands += commands
    if (now >= nextDayAt) {
      counters.day = utcDay()
      counters.today = 0
      nextDayAt = nextUtcMidnight()
    }
    counters.today += commands
    if (
      quota !== undefined &&
      quotaWarnedDay !== counters.day &&
      counters.today >= quota * quotaShare
    ) {
      quotaWarnedDay = counters.day
      events.emit('quota', {
        day: counters.day,
        commands: counters.today,
        quota,
        share: counters.today / quota,
      })
    }
  }

  const toError = (error: unknown, name: string): RedisError =>
    error instanceof RedisError ? error : (transport.toError ?? connectionError)(error, name)
  const report = (error: RedisError, name: string): void => {
    counters.errors++
    events.emit('error', { error, command: name })
  }
  const fail = (error: RedisError, name: string): RedisError => {
    report(error, name)
    return error
  }
  const closedError = (name: string) =>
    fail(new RedisError(errors.E_CLOSED, `${name}: the client was closed`, { command: name }), name)

  const resilience = new Resilience(options, events, { toError, report })
  transport.onReconnect?.(() => resilience.reconnected())

  const server = transport.server
  /** A stable code where there is one (`E_TIMEOUT`, `E_CONNECTION`), else the error's name. */
  const errorType = (error: unknown): string =>
    error instanceof RedisError ? error.code : error instanceof Error ? error.name : 'Error'
  const metricAttributes = (name: string, error?: unknown): Attributes => ({
    'db.system.name': 'redis',
    'db.operation.name': name,
    'server.address': server?.address,
    'server.port': server?.port,
    'error.type': error === undefined ? undefined : errorType(error),
  })
  /**
   * One span per command or pipeline (retries inside it) and one duration on the stable
   * `db.client.operation.duration` histogram. Attributes name the operation, never its
   * arguments; with `includeKeys`, `db.query.text` carries the command and its first key.
   */
  const traced = <T>(
    t: Telemetry,
    name: string,
    command: Command | undefined,
    batch: number | undefined,
    call: () => Promise<T>,
  ): Promise<T> => {
    const span = t.span(name, 'client', {
      ...metricAttributes(name),
      'db.query.summary': name,
      'db.operation.batch.size': batch,
      'db.query.text':
        t.includeKeys && command && command.length > 1
          ? `${name} ${String(command[1])}`
          : undefined,
      'hotpath.redis.driver': transport.driver,
    })
    const started = performance.now()
    const done = (error?: unknown) => {
      span.end(error)
      t.duration(
        'db.client.operation.duration',
        (performance.now() - started) / 1000,
        metricAttributes(name, error),
      )
    }
    return call().then(
      (value) => {
        done()
        return value
      },
      (error: unknown) => {
        done(error)
        throw error
      },
    )
  }

  const run = <T = unknown>(
    command: Command,
    shape?: (reply: unknown) => T,
    sender: Sender = transport.send,
  ): Promise<T> => {
    const t = telemetry()
    return t === undefined
      ? untraced(command, shape, sender)
      : traced(t, command[0], command, undefined, () => untraced(command, shape, sender))
  }

  const untraced = <T = unknown>(
    command: Command,
    shape: ((reply: unknown) => T) | undefined,
    sender: Sender,
  ): Promise<T> => {
    const name = command[0]
    if (closed) return Promise.reject(closedError(name))
    const refused = malformed(command)
    if (refused) return Promise.reject(refused)
    // one clock read for the day's counter and the call's deadline
    const now = Date.now()
    count(1, now)
    if (sender === transport.send && transport.start !== undefined && resilience.closed) {
      let started: Started | undefined
      try {
        started = transport.start(command)
      } catch {
        started = undefined
      }
      if (started) {
        return resilience.runStarted(started, command, sender, shape as (reply: unknown) => T, now)
      }
    }
    return resilience.run(
      name,
      isIdempotent(command),
      () => sender(command),
      shape as (reply: unknown) => T,
    )
  }
  const ok = (): 'OK' => 'OK'

  const pipeline = async (commands: readonly Command[]): Promise<unknown[]> => {
    if (commands.length === 0) return []
    if (closed) throw closedError('PIPELINE')
    const upper = commands.map(([name, ...args]): Command => [name.toUpperCase(), ...args])
    for (const [index, command] of upper.entries()) {
      const refused = malformed(command, index)
      if (refused) throw refused
    }
    count(commands.length)
    const settled = await resilience.run('PIPELINE', upper.every(isIdempotent), () =>
      transport.pipeline(upper),
    )
    const replies: unknown[] = []
    for (const [index, result] of settled.entries()) {
      if (!result.ok) {
        const name = commands[index]?.[0] ?? '?'
        throw fail(
          new RedisError(
            errors.E_PIPELINE,
            `pipeline command ${index} (${name}) failed: ${result.error.message}`,
            { cause: result.error, command: name, index },
          ),
          'PIPELINE',
        )
      }
      replies.push(result.value)
    }
    return replies
  }

  const client: ManagedRedisClient = {
    driver: transport.driver,
    get breaker(): BreakerState {
      return resilience.state
    },
    on: (event, listener) => events.on(event, listener),
    stats: (): ClientStats => snapshot(counters),

    get: (key) => run(['GET', key], toStringOrNull),
    set: async (key, value, opts) => run(['SET', ...setArgs(key, value, opts)], toStringOrNull),
    mget: async (keys) => {
      if (keys.length === 0) return []
      return run(['MGET', ...keys], (reply) =>
        Array.isArray(reply) ? reply.map(toStringOrNull) : [],
      )
    },
    mset: async (entries) => {
      const args = Object.entries(entries).flat()
      if (args.length === 0) return 'OK'
      return run(['MSET', ...args], ok)
    },
    getdel: (key) => run(['GETDEL', key], toStringOrNull),
    incr: (key) => run(['INCR', key], toNumber),
    incrby: (key, increment) => run(['INCRBY', key, increment], toNumber),
    decr: (key) => run(['DECR', key], toNumber),
    del: async (...keys) => (keys.length === 0 ? 0 : run(['DEL', ...keys], toNumber)),
    unlink: async (...keys) => (keys.length === 0 ? 0 : run(['UNLINK', ...keys], toNumber)),
    exists: async (...keys) => (keys.length === 0 ? 0 : run(['EXISTS', ...keys], toNumber)),

    expire: (key, seconds) => run(['EXPIRE', key, seconds], toNumber),
    pexpire: (key, ms) => run(['PEXPIRE', key, ms], toNumber),
    ttl: (key) => run(['TTL', key], toNumber),
    pttl: (key) => run(['PTTL', key], toNumber),
    persist: (key) => run(['PERSIST', key], toNumber),

    hset: async (key, fields) => {
      const args = Object.entries(fields).flat()
      if (args.length === 0) return 0
      return run(['HSET', key, ...args], toNumber)
    },
    hget: (key, field) => run(['HGET', key, field], toStringOrNull),
    hgetall: (key) => run(['HGETALL', key], toRecord),
    hdel: async (key, ...fields) =>
      fields.length === 0 ? 0 : run(['HDEL', key, ...fields], toNumber),
    hincrby: (key, field, increment) => run(['HINCRBY', key, field, increment], toNumber),

    sadd: async (key, ...members) =>
      members.length === 0 ? 0 : run(['SADD', key, ...members], toNumber),
    srem: async (key, ...members) =>
      members.length === 0 ? 0 : run(['SREM', key, ...members], toNumber),
    smembers: (key) => run(['SMEMBERS', key], toStrings),
    sismember: (key, member) => run(['SISMEMBER', key, member], toNumber),
    scard: (key) => run(['SCARD', key], toNumber),

    zadd: async (key, members: readonly ZMember[], opts?: ZAddOptions) => {
      if (members.length === 0) return 0
      const flags: string[] = []
      if (opts?.nx) flags.push('NX')
      if (opts?.xx) flags.push('XX')
      if (opts?.gt) flags.push('GT')
      if (opts?.lt) flags.push('LT')
      if (opts?.ch) flags.push('CH')
      const pairs = members.flatMap((m) => [m.score, m.member])
      return run(['ZADD', key, ...flags, ...pairs], toNumber)
    },
    zincrby: (key, increment, member) => run(['ZINCRBY', key, increment, member], toNumber),
    zrange: (key, start, stop, opts) =>
      run([opts?.rev ? 'ZREVRANGE' : 'ZRANGE', key, start, stop], toStrings),
    zrangeWithScores: (key, start, stop, opts) =>
      run([opts?.rev ? 'ZREVRANGE' : 'ZRANGE', key, start, stop, 'WITHSCORES'], toZMembers),
    zrem: async (key, ...members) =>
      members.length === 0 ? 0 : run(['ZREM', key, ...members], toNumber),
    zscore: (key, member) => run(['ZSCORE', key, member], toNumberOrNull),
    zrank: (key, member, opts) =>
      run([opts?.rev ? 'ZREVRANK' : 'ZRANK', key, member], toNumberOrNull),
    zcard: (key) => run(['ZCARD', key], toNumber),
    zcount: (key, min, max) => run(['ZCOUNT', key, min, max], toNumber),
    zremrangebyscore: (key, min, max) => run(['ZREMRANGEBYSCORE', key, min, max], toNumber),

    lpush: (key, ...values) => run(['LPUSH', key, ...values], toNumber),
    rpush: (key, ...values) => run(['RPUSH', key, ...values], toNumber),
    lpop: (key) => run(['LPOP', key], toStringOrNull),
    rpop: (key) => run(['RPOP', key], toStringOrNull),
    lrange: (key, start, stop) => run(['LRANGE', key, start, stop], toStrings),
    llen: (key) => run(['LLEN', key], toNumber),
    lmove: (source, destination, from, to) =>
      run(['LMOVE', source, destination, from, to], toStringOrNull),
    ltrim: (key, start, stop) => run(['LTRIM', key, start, stop], ok),
    lrem: (key, n, value) => run(['LREM', key, n, value], toNumber),

    scan: (opts?: ScanOptions) => scanAll(opts),

    eval: (script, keys, args) => run(['EVAL', script, keys.length, ...keys, ...args]),
    evalsha: (sha1, keys, args) => run(['EVALSHA', sha1, keys.length, ...keys, ...args]),
    scriptLoad: async (script) => {
      // A cluster routes EVALSHA by key: every master must know the script.
      const senders = await transport.masters()
      const shas = await Promise.all(
        senders.map((sender) => run(['SCRIPT', 'LOAD', script], String, sender)),
      )
      return shas[0] ?? ''
    },

    pipeline: (commands) => {
      const t = telemetry()
      return t === undefined || commands.length === 0
        ? pipeline(commands)
        : traced(t, 'PIPELINE', undefined, commands.length, () => pipeline(commands))
    },

    call: ([name, ...args]) => run([name.toUpperCase(), ...args]),

    publish: (channel, message) => run(['PUBLISH', channel, message], toNumber),
    subscribe: async (channel: string, handler: MessageHandler): Promise<Unsubscribe> => {
      if (closed) throw closedError('SUBSCRIBE')
      const refused = malformed(['SUBSCRIBE', channel])
      if (refused) throw refused
      return resilience.run('SUBSCRIBE', false, () => transport.subscribe(channel, handler))
    },

    track: async (prefixes, listener) => {
      if (closed) throw closedError('CLIENT')
      if (!transport.track) {
        throw fail(
          new RedisError(
            errors.E_UNSUPPORTED,
            `the ${transport.driver} driver cannot track keys (no server push); use publish/subscribe or a staleness bound`,
            { command: 'CLIENT' },
          ),
          'CLIENT',
        )
      }
      const track = transport.track
      return resilience.run('CLIENT', false, () => track(prefixes, listener))
    },

    ping: () => run(['PING'], String),
    close: async () => {
      if (closed) return
      closed = true
      await transport.close()
    },
  }

  async function* scanAll(opts: ScanOptions = {}): AsyncGenerator<string[]> {
    const args: (string | number)[] = []
    if (opts.match !== undefined) args.push('MATCH', opts.match)
    args.push('COUNT', opts.count ?? 100)
    // SCAN walks one node's keyspace; a cluster spreads keys over every master.
    for (const sender of await transport.masters()) {
      let cursor = '0'
      do {
        const reply = await run(['SCAN', cursor, ...args], undefined, sender)
        const [next, keys] = Array.isArray(reply) ? reply : ['0', []]
        cursor = String(next)
        const batch = toStrings(keys)
        if (batch.length > 0) yield batch
      } while (cursor !== '0')
    }
  }

  registerCounters(client, counters)
  return client
}
