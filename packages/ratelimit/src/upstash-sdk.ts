import { type Command, RedisError, errors as redisErrors, type SetOptions } from '@hotpath/redis'
import { errors, RatelimitError } from './errors'

/**
 * The part of an `@upstash/redis` `Redis` instance this package calls, structurally, so the
 * SDK stays an optional peer: what `@upstash/ratelimit` accepts as `redis` is accepted here.
 */
export type UpstashRedisLike = {
  evalsha(sha1: string, keys: string[], args: unknown[]): Promise<unknown>
  eval(script: string, keys: string[], args: unknown[]): Promise<unknown>
  get(key: string): Promise<unknown>
  set(key: string, value: unknown, options?: never): Promise<unknown>
  del(...keys: string[]): Promise<number>
  hgetall(key: string): Promise<Record<string, unknown> | null>
  hincrby(key: string, field: string, increment: number): Promise<number>
  hset(key: string, fields: Record<string, unknown>): Promise<number>
  pexpire(key: string, milliseconds: number): Promise<number>
  sismember(key: string, member: unknown): Promise<number>
  smembers(key: string): Promise<unknown[]>
  sadd(key: string, member: unknown, ...members: unknown[]): Promise<number>
  srem(key: string, ...members: unknown[]): Promise<number>
}

/** What the Ratelimit calls on an SDK instance once it is wrapped; a subset of `RedisClient`. */
export type WrappedSdk = {
  readonly driver: 'upstash-sdk'
  get(key: string): Promise<string | null>
  set(key: string, value: string, options?: SetOptions): Promise<string | null>
  del(...keys: string[]): Promise<number>
  eval(
    script: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>
  evalsha(
    sha1: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>
  hgetall(key: string): Promise<Record<string, string>>
  pipeline(commands: readonly Command[]): Promise<unknown[]>
}

/** A hotpath client carries `driver`; the SDK's `Redis` does not, and has `evalsha`. */
export function isUpstashSdk(redis: unknown): redis is UpstashRedisLike {
  return (
    typeof redis === 'object' &&
    redis !== null &&
    !('driver' in redis) &&
    typeof (redis as { evalsha?: unknown }).evalsha === 'function' &&
    typeof (redis as { eval?: unknown }).eval === 'function'
  )
}

/**
 * The SDK throws `UpstashError('Command failed: NOSCRIPT …')` from its auto-pipeline and
 * `UpstashError('NOSCRIPT …, command was: […]')` from a single request; hotpath's
 * runScript and failure handling read `RedisError`s with the server's message. Mapped once
 * here, so the EVAL fallback works whichever way the SDK sent the command.
 */
function toRedisError(error: unknown, command: string): RedisError {
  if (error instanceof RedisError) return error
  if (error instanceof Error && error.name === 'UpstashError') {
    let message = error.message.replace(/^Command failed: /, '')
    const cut = message.indexOf(', command was: ')
    if (cut !== -1) message = message.slice(0, cut)
    return new RedisError(redisErrors.E_COMMAND, message, { cause: error, command })
  }
  return new RedisError(
    redisErrors.E_CONNECTION,
    `@upstash/redis failed on ${command}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, command },
  )
}

async function mapped<T>(command: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toRedisError(error, command)
  }
}

/** The SDK deserializes JSON-looking replies by default (`"12"` → 12); hotpath reads strings. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Wraps an `@upstash/redis` instance once. Every call goes through the SDK's typed methods,
 * so its auto-pipelining (on by default) still batches the commands of one tick into one
 * HTTP request, and each command still settles on its own: a NOSCRIPT retried as EVAL
 * cannot count another request twice.
 */
export function wrapUpstashSdk(sdk: UpstashRedisLike): WrappedSdk {
  const one = async (command: Command): Promise<unknown> => {
    const [name, ...raw] = command
    const args = raw.map(String)
    switch (name.toUpperCase()) {
      case 'EVAL':
      case 'EVALSHA': {
        const [script = '', count = '0', ...rest] = args
        const keys = rest.slice(0, Number(count))
        const argv = rest.slice(Number(count))
        return name.toUpperCase() === 'EVAL'
          ? mapped('EVAL', () => sdk.eval(script, keys, argv))
          : mapped('EVALSHA', () => sdk.evalsha(script, keys, argv))
      }
      case 'HINCRBY':
        return mapped('HINCRBY', () => sdk.hincrby(args[0] ?? '', args[1] ?? '', Number(args[2])))
      case 'HSET': {
        const fields: Record<string, string> = {}
        for (let i = 1; i + 1 < args.length; i += 2) fields[args[i] ?? ''] = args[i + 1] ?? ''
        return mapped('HSET', () => sdk.hset(args[0] ?? '', fields))
      }
      case 'PEXPIRE':
        return mapped('PEXPIRE', () => sdk.pexpire(args[0] ?? '', Number(args[1])))
      case 'SISMEMBER':
        return mapped('SISMEMBER', () => sdk.sismember(args[0] ?? '', args[1] ?? ''))
      case 'SMEMBERS':
        return mapped('SMEMBERS', () => sdk.smembers(args[0] ?? '')).then((members) =>
          members.map((member) => text(member) ?? ''),
        )
      case 'SADD':
        return mapped('SADD', () => sdk.sadd(args[0] ?? '', args[1] ?? '', ...args.slice(2)))
      case 'SREM':
        return mapped('SREM', () => sdk.srem(args[0] ?? '', ...args.slice(1)))
      case 'SET': {
        const [key = '', value = '', ...flags] = args
        const options: Record<string, number | boolean> = {}
        for (let i = 0; i < flags.length; i++) {
          const flag = flags[i]?.toUpperCase()
          if (flag === 'NX') options.nx = true
          else if (flag === 'EX' || flag === 'PX') options[flag.toLowerCase()] = Number(flags[++i])
        }
        return mapped('SET', () => sdk.set(key, value, options as never)).then(text)
      }
      case 'DEL':
        return mapped('DEL', () => sdk.del(...args))
      default:
        throw new RatelimitError(
          errors.E_OPTION_INVALID,
          `@hotpath/ratelimit does not send ${name} through an @upstash/redis instance`,
        )
    }
  }
  return {
    driver: 'upstash-sdk',
    get: (key) => mapped('GET', () => sdk.get(key)).then(text),
    set: (key, value, options) =>
      mapped('SET', () => sdk.set(key, value, options as never)).then(text),
    del: (...keys) => mapped('DEL', () => sdk.del(...keys)),
    eval: (script, keys, args) =>
      mapped('EVAL', () => sdk.eval(script, [...keys], args.map(String))),
    evalsha: (sha1, keys, args) =>
      mapped('EVALSHA', () => sdk.evalsha(sha1, [...keys], args.map(String))),
    hgetall: async (key) => {
      const hash = await mapped('HGETALL', () => sdk.hgetall(key))
      const out: Record<string, string> = {}
      for (const [field, value] of Object.entries(hash ?? {})) out[field] = text(value) ?? ''
      return out
    },
    // Issued together, the SDK's auto-pipeline sends them as one request.
    pipeline: (commands) => Promise.all(commands.map(one)),
  }
}
