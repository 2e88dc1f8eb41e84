import { randomUUID } from 'node:crypto'
import type { Command, RedisClient } from '@hotpath/redis'
import type { MemoryRedisOptions } from '@hotpath/redis/memory'
import { readOnlyAllowList } from './acl'
import type { Role } from './auth'
import type { Backend, Outcome, ParsedCommand, SubscriberConnection } from './backend'
import type { Arg } from './commands'
import { CommandError, errors, RestServerError } from './errors'
import { refusalOf, scriptPolicyPrelude } from './script-policy'
import { sha1, stripShebang } from './scripts'

type Mock = NonNullable<MemoryRedisOptions['instance']>
type MockConstructor = new (options: { host: string }) => Mock
// ioredis-mock ships no types of its own (the driver's come from @types/ioredis-mock); a
// specifier in a variable keeps this package from needing them.
const MOCK_MODULE = 'ioredis-mock'

function text(arg: Arg | undefined): string {
  if (arg === undefined) return ''
  return typeof arg === 'string' ? arg : arg.toString('utf8')
}

/** A reply error from the driver is the client's business; anything else means unavailable. */
function toBackendError(error: unknown): Error {
  if (error instanceof CommandError || error instanceof RestServerError) return error
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'E_COMMAND' && error instanceof Error) return new CommandError(error.message)
  return new RestServerError(errors.E_BACKEND_UNAVAILABLE, 'ERR redis is unavailable', {
    cause: error,
  })
}

/**
 * `memory://`: the in-process emulation of `@hotpath/redis/memory` (ioredis-mock plus the
 * Redis semantics that driver adds: WRONGTYPE checks, Lua reply conversion…), so the REST
 * server and the memory driver answer alike. Every command runs through one queue, so a
 * pipeline or a transaction is never interleaved with another request, as on a
 * single-threaded Redis. Scripts are kept here: the client's SHA is of the source it sent,
 * while the emulated Lua must not see a `#!lua` line.
 */
export async function createMemoryBackend(
  requestTimeoutMs: number,
  denyList: readonly string[],
): Promise<Backend> {
  let client: RedisClient
  let mock: Mock
  try {
    const [{ createMemoryRedis }, { default: RedisMock }] = await Promise.all([
      import('@hotpath/redis/memory'),
      import(MOCK_MODULE) as Promise<{ default: MockConstructor }>,
    ])
    // A private host: ioredis-mock shares data between instances of the same host.
    mock = new RedisMock({ host: `hotpath-rest-${randomUUID()}` })
    client = createMemoryRedis({
      instance: mock,
      // The HTTP layer owns timeouts; retrying or tripping a breaker in-process is moot.
      timeoutMs: requestTimeoutMs,
      retries: 0,
      breakerThreshold: Number.MAX_SAFE_INTEGER,
    })
  } catch (error) {
    throw new RestServerError(
      errors.E_OPTION_INVALID,
      'memory:// needs the @hotpath/redis and ioredis-mock packages',
      { cause: error },
    )
  }
  const scripts = new Map<string, string>()
  const subscribers = new Set<Mock>()
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false

  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run)
    queue = result.catch(() => undefined)
    return result
  }

  const send = (name: string, args: Arg[]) =>
    client.call([name, ...args.map(text)] as unknown as Command)

  const preludes = {
    'read-write': scriptPolicyPrelude(denyList, undefined),
    'read-only': scriptPolicyPrelude(denyList, readOnlyAllowList()),
  }
  const evalSource = async (source: string, rest: Arg[], role: Role) => {
    try {
      return await send('EVAL', [preludes[role] + stripShebang(source), ...rest])
    } catch (error) {
      throw refusalOf(error) ?? error
    }
  }

  const run = async ({ name, args }: ParsedCommand, role: Role): Promise<unknown> => {
    if (closed) throw new RestServerError(errors.E_BACKEND_UNAVAILABLE, 'ERR redis is unavailable')
    switch (name) {
      case 'EVAL':
      case 'EVAL_RO': {
        const source = text(args[0])
        scripts.set(sha1(source), source)
        return evalSource(source, args.slice(1), role)
      }
      case 'EVALSHA':
      case 'EVALSHA_RO': {
        const source = scripts.get(text(args[0]).toLowerCase())
        if (source === undefined) {
          throw new CommandError('NOSCRIPT No matching script. Please use EVAL.')
        }
        return evalSource(source, args.slice(1), role)
      }
      case 'SCRIPT': {
        const sub = text(args[0]).toUpperCase()
        if (sub === 'LOAD' && args[1] !== undefined) {
          const source = text(args[1])
          const sha = sha1(source)
          scripts.set(sha, source)
          return sha
        }
        if (sub === 'EXISTS') return args.slice(1).map((sha) => (scripts.has(text(sha)) ? 1 : 0))
        if (sub === 'FLUSH') {
          scripts.clear()
          return 'OK'
        }
        throw new CommandError(`ERR unknown subcommand '${text(args[0])}'`)
      }
      default:
        return send(name, args)
    }
  }

  const guarded = async (command: ParsedCommand, role: Role): Promise<unknown> => {
    try {
      return await run(command, role)
    } catch (error) {
      throw toBackendError(error)
    }
  }

  const many = async (commands: readonly ParsedCommand[], role: Role): Promise<Outcome[]> => {
    const outcomes: Outcome[] = []
    for (const command of commands) {
      try {
        outcomes.push({ ok: true, value: await guarded(command, role) })
      } catch (error) {
        if (!(error instanceof CommandError)) throw error
        outcomes.push({ ok: false, error: error.message })
      }
    }
    return outcomes
  }

  return {
    kind: 'memory',
    // The script host below refuses what the token may not run, as Redis ACL would.
    acl: async () => ({ readWrite: true, readOnly: true }),
    ready: async () => undefined,
    command: (command, role) => serial(() => guarded(command, role)),
    pipeline: (commands, role) => serial(() => many(commands, role)),
    transaction: (commands, role) => serial(() => many(commands, role)),
    async createSubscriber(): Promise<SubscriberConnection> {
      // The driver's subscribe() has no patterns; a duplicate of the same mock shares its
      // pub/sub and has both.
      const connection = mock.duplicate()
      subscribers.add(connection)
      return {
        subscribe: (channel) => connection.subscribe(channel),
        unsubscribe: (channel) => connection.unsubscribe(channel),
        psubscribe: (pattern) => connection.psubscribe(pattern),
        punsubscribe: (pattern) => connection.punsubscribe(pattern),
        onMessage(listener) {
          connection.on('message', (channel: string, message: string) => listener(channel, message))
          connection.on('pmessage', (pattern: string, channel: string, message: string) =>
            listener(channel, message, pattern),
          )
        },
        async close() {
          subscribers.delete(connection)
          connection.disconnect()
        },
      }
    },
    async close() {
      closed = true
      for (const connection of subscribers) connection.disconnect()
      await client.close().catch(() => undefined)
      mock.disconnect()
    },
  }
}
