import {
  type ChainableCommander,
  Cluster,
  Command,
  type Pipeline,
  Redis,
  type RedisOptions,
} from 'ioredis'
import type {
  Backend,
  MessageListener,
  Outcome,
  ParsedCommand,
  SubscriberConnection,
} from './backend'
import type { Arg } from './commands'
import { CommandError, errors, RestServerError } from './errors'
import type { ParsedTarget, RestLogger } from './options'

export type RedisBackendTarget = Exclude<ParsedTarget, { kind: 'memory' }>

type Client = Redis | Cluster

type BufferMethod = (...args: Arg[]) => Promise<unknown>

/**
 * Above this many arguments a command skips ioredis' generated methods: they take the
 * arguments spread on the stack (twice, through auto-pipelining), and ~60 000 of them
 * overflow it. Auto-pipelining then leaves the failed command's callback behind and throws
 * `results[i] is not iterable` outside any promise, which ended the process.
 */
const SPREAD_SAFE_ARGS = 1024

/** A command with raw (Buffer) replies, its arguments passed as one array. */
function rawCommand(name: string, args: Arg[]): Command {
  return new Command(name, args, { replyEncoding: null })
}

/** Queues commands on a pipeline or a MULTI without spreading their arguments. */
function queue(batch: ChainableCommander, commands: readonly ParsedCommand[]): void {
  // `pipeline()` and `multi()` return a Pipeline; its typings only show the chainable side.
  const pipeline = batch as unknown as Pipeline
  for (const { name, args } of commands) pipeline.sendCommand(rawCommand(name, args))
}

/**
 * Sends one command with raw (Buffer) replies. ioredis' auto-pipelining drops the command
 * name of `callBuffer` (it only re-inserts it for `call`), so known commands go through
 * their generated `<name>Buffer` method, which auto-pipelines correctly; a command
 * ioredis does not know, or one with many arguments, goes out on its own.
 */
function send(client: Client, name: string, args: Arg[]): Promise<unknown> {
  const method = (client as unknown as Record<string, unknown>)[`${name.toLowerCase()}Buffer`]
  if (typeof method === 'function' && args.length <= SPREAD_SAFE_ARGS) {
    return (method as BufferMethod).apply(client, args)
  }
  return client.sendCommand(rawCommand(name, args)) as Promise<unknown>
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

/** Reply errors are the client's business (400); anything else means Redis is unreachable. */
function toBackendError(error: unknown): Error {
  if (isReplyError(error)) return new CommandError(error.message)
  // ioredis checks a cluster transaction's slots itself, before Redis would say CROSSSLOT.
  if (error instanceof Error && error.message.includes('should belong to the same slot')) {
    return new CommandError("CROSSSLOT Keys in request don't hash to the same slot")
  }
  if (error instanceof CommandError || error instanceof RestServerError) return error
  return new RestServerError(errors.E_BACKEND_UNAVAILABLE, 'ERR redis is unavailable', {
    cause: error,
  })
}

function outcome(settled: PromiseSettledResult<unknown>): Outcome {
  if (settled.status === 'fulfilled') return { ok: true, value: settled.value }
  const error = toBackendError(settled.reason)
  if (error instanceof RestServerError) throw error
  return { ok: false, error: error.message }
}

const BASE_OPTIONS = {
  // Commands issued in the same tick by concurrent HTTP requests leave in one write:
  // this is the coalescing that keeps the server near direct-TCP throughput.
  enableAutoPipelining: true,
  maxRetriesPerRequest: 1,
  connectTimeout: 5_000,
  // Reconnect attempts at most 500 ms apart: they bound how soon requests succeed again once
  // Redis is back (while it is down, requests get their 503 at once, see failFastWhileDown).
  retryStrategy: (times: number) => Math.min(times * 100, 500),
} satisfies RedisOptions

/**
 * While a lost connection reconnects, commands are refused at once (a 503) instead of waiting
 * in ioredis' offline queue for `maxRetriesPerRequest` reconnect attempts, which took 0.4–2.5 s
 * and grew with the reconnect delay. Commands that were awaiting replies are failed too, not
 * re-sent after a reconnect. Before the first connection ends, commands still queue, so a
 * server started alongside Redis does not refuse its first requests.
 */
function failFastWhileDown(client: Redis): void {
  client.on('close', () => {
    client.options.enableOfflineQueue = false
    // Not in ioredis' typings, but its way to fail queued commands since v4.
    const flush = (client as unknown as { flushQueue?: (error: Error) => void }).flushQueue
    if (typeof flush === 'function') flush.call(client, new Error('Redis connection lost'))
  })
  client.on('ready', () => {
    client.options.enableOfflineQueue = true
  })
}

export function createRedisBackend(
  target: RedisBackendTarget,
  poolSize: number,
  logger: RestLogger,
): Backend {
  let lastError = ''
  const onError = (error: Error) => {
    // One line per distinct failure, not one per reconnect attempt; never the URL.
    const message = `redis connection error: ${error.message}`
    if (message !== lastError) logger.warn?.(message)
    lastError = message
  }
  const create = (): Client => {
    const client =
      target.kind === 'cluster'
        ? new Cluster(
            target.nodes.map((n) => ({ host: n.host, port: n.port })),
            {
              enableAutoPipelining: true,
              clusterRetryStrategy: BASE_OPTIONS.retryStrategy,
              redisOptions: {
                maxRetriesPerRequest: 1,
                connectTimeout: BASE_OPTIONS.connectTimeout,
                ...(target.password === undefined ? {} : { password: target.password }),
                ...(target.username === undefined ? {} : { username: target.username }),
              },
            },
          )
        : new Redis(target.url, BASE_OPTIONS)
    client.on('error', onError)
    if (client instanceof Redis) failFastWhileDown(client)
    client.on('ready', () => {
      lastError = ''
    })
    return client
  }
  const pool = Array.from({ length: poolSize }, create)
  let next = 0
  const pick = (): Client => {
    const client = pool[next % pool.length] as Client
    next = (next + 1) % pool.length
    return client
  }

  return {
    kind: target.kind,

    async command({ name, args }) {
      try {
        return await send(pick(), name, args)
      } catch (error) {
        throw toBackendError(error)
      }
    },

    async pipeline(commands) {
      const client = pick()
      if (client instanceof Redis) {
        // One explicit pipeline: a single write, without auto-pipelining's per-command work.
        const batch = client.pipeline()
        queue(batch, commands)
        const replies = (await batch.exec()) ?? []
        return replies.map(([error, value]) =>
          outcome(error ? { status: 'rejected', reason: error } : { status: 'fulfilled', value }),
        )
      }
      // A cluster pipeline may span slots: each command goes to its node, in order per
      // connection, and auto-pipelining groups them per node.
      const settled = await Promise.allSettled(
        commands.map(({ name, args }) => send(client, name, args)),
      )
      return settled.map(outcome)
    },

    async transaction(commands) {
      const multi = pick().multi()
      queue(multi, commands)
      let replies: [Error | null, unknown][] | null
      try {
        replies = await multi.exec()
      } catch (error) {
        throw discarded(error)
      }
      if (!replies) throw new CommandError('EXECABORT Transaction discarded')
      return replies.map(([error, value]): Outcome => {
        if (!error) return { ok: true, value }
        const mapped = toBackendError(error)
        if (mapped instanceof RestServerError) throw mapped
        return { ok: false, error: mapped.message }
      })
    },

    async createSubscriber() {
      const connection = (pool[0] as Client).duplicate()
      connection.on('error', onError)
      return ioredisSubscriber(connection)
    },

    async close() {
      await Promise.allSettled(pool.map((client) => client.quit()))
      for (const client of pool) client.disconnect()
    },
  }
}

/** EXECABORT names no cause; the first queued error is what the caller needs to see. */
function discarded(error: unknown): Error {
  const mapped = toBackendError(error)
  if (!(mapped instanceof CommandError)) return mapped
  const previous = (error as { previousErrors?: unknown[] }).previousErrors
  const first = previous?.[0]
  if (first instanceof Error) return new CommandError(`${mapped.message} (${first.message})`)
  return mapped
}

function ioredisSubscriber(connection: Client): SubscriberConnection {
  const wrap = async (run: () => Promise<unknown>) => {
    try {
      return await run()
    } catch (error) {
      throw toBackendError(error)
    }
  }
  return {
    subscribe: (channel) => wrap(() => connection.subscribe(channel)),
    unsubscribe: (channel) => wrap(() => connection.unsubscribe(channel)),
    psubscribe: (pattern) => wrap(() => connection.psubscribe(pattern)),
    punsubscribe: (pattern) => wrap(() => connection.punsubscribe(pattern)),
    onMessage(listener: MessageListener) {
      connection.on('message', (channel: string, message: string) => listener(channel, message))
      connection.on('pmessage', (pattern: string, channel: string, message: string) =>
        listener(channel, message, pattern),
      )
    },
    async close() {
      await connection.quit().catch(() => undefined)
      connection.disconnect()
    },
  }
}
