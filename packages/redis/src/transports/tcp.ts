import {
  Cluster,
  type ClusterOptions,
  Command as IoredisCommand,
  Redis,
  type RedisOptions,
} from 'ioredis'
import { connectionError, errors, RedisError } from '../errors'
import type { Command } from '../types'
import { subscriptions } from './subscriptions'
import { trackNode, trackNodes } from './tracking'
import type { Settled, Started, Transport } from './transport'

export type TcpConnectionOptions = {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. @default 'redis://127.0.0.1:6379' */
  url?: string
  /** Cluster seed nodes; when set, hotpath connects as a Redis Cluster client and `url` is ignored. */
  nodes?: { host: string; port: number }[]
  /** Cluster node credentials (standalone reads them from `url`). @default undefined */
  username?: string
  password?: string
  /** Extra ioredis options, merged over hotpath's. @default undefined */
  ioredis?: RedisOptions
  /**
   * An ioredis `Redis` or `Cluster` you already have. hotpath sends through it and leaves
   * closing it to you; `url`, `nodes` and `ioredis` are ignored. @default undefined
   */
  connection?: Redis | Cluster
}

// Commands fail fast instead of waiting for reconnection forever; the client's timeout,
// retries and breaker decide what happens next. Reconnect attempts are capped at 500 ms
// apart: on a lost connection they are what bounds recovery once Redis is back (a refused
// attempt on loopback or a LAN costs next to nothing), where 2 s delayed the first hit.
const REDIS_DEFAULTS: RedisOptions = {
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 50, 500),
}

export function toRedisError(error: unknown, name: string): RedisError {
  if (error instanceof RedisError) return error
  if (error instanceof Error && error.name === 'ReplyError') {
    return new RedisError(errors.E_COMMAND, error.message, { cause: error, command: name })
  }
  // ioredis' Cluster refuses a cross-slot multi-key command itself, before any I/O, with a
  // plain Error. It is the caller's mistake (as CROSSSLOT would be), not a transport failure,
  // so it must not count toward the circuit breaker.
  if (error instanceof Error && error.message.includes('should belong to the same slot')) {
    return new RedisError(errors.E_COMMAND, `CROSSSLOT ${error.message}`, {
      cause: error,
      command: name,
    })
  }
  return connectionError(error, name)
}

const UTF8 = { replyEncoding: 'utf8' } as const

/**
 * ioredis names commands in lower case, and per command it checks several flags by lower-casing
 * the name again (a new string each time for `GET`). These commands, none of which ioredis
 * transforms, are handed over under their lower-case name. The others keep ours: a transformer
 * keyed by the lower-case name would change their shape (HGETALL's reply to an object, HSET's
 * object arguments), and the client expects RESP as Redis sends it.
 */
const IOREDIS_NAMES = new Map(
  (
    'GET SET MGET GETDEL DEL UNLINK EXISTS INCR INCRBY DECR EXPIRE PEXPIRE TTL PTTL HGET ' +
    'SADD SREM SISMEMBER SMEMBERS ZADD ZINCRBY ZRANGE ZREVRANGE ZRANK ZREVRANK ZSCORE EVAL ' +
    'EVALSHA PUBLISH PING SCAN'
  )
    .split(' ')
    .map((name) => [name, name.toLowerCase()]),
)

/**
 * Rejections carry ioredis errors; the client maps them with `toError` (one promise fewer per
 * call). On a standalone connection without key prefix, auto-pipelining or friendly error
 * stacks, a command is handed to `sendCommand` as `call` would hand it, without `call`'s
 * generic argument handling (about a microsecond of a local GET), and the ioredis `Command`
 * is returned so the client can fail it at its deadline. Otherwise `call` applies those
 * options and `start` declines.
 */
function senders(connection: Redis | Cluster, link: Link = UP): Pick<Transport, 'send' | 'start'> {
  if (connection instanceof Cluster) return { send: (command) => connection.call(...command) }
  const start = (command: Command): Started | undefined => {
    if (link.down) return undefined
    const options = connection.options
    if (options.keyPrefix || options.enableAutoPipelining || options.showFriendlyErrorStack) {
      return undefined
    }
    const name = IOREDIS_NAMES.get(command[0]) ?? command[0]
    const started = new IoredisCommand(name, command.slice(1) as (string | number)[], UTF8)
    connection.sendCommand(started)
    return started
  }
  return {
    start,
    send: (command) =>
      link.down
        ? Promise.reject(new RedisError(errors.E_CONNECTION, link.reason, { command: command[0] }))
        : (start(command)?.promise ?? connection.call(...command)),
  }
}

/** Whether a standalone connection is known lost, and why. */
type Link = { down: boolean; reason: string; reconnected: (() => void)[] }
const UP: Link = { down: false, reason: '', reconnected: [] }

/**
 * Fails commands at once while a connection that was lost (or refused) is reconnecting. ioredis
 * would hold them in its offline queue until `maxRetriesPerRequest` reconnect attempts failed
 * (seconds, with growing reconnect delays), and re-send the commands that were awaiting a reply
 * after it reconnects, so each call waited for the client's timeout. Before the first
 * connection ends, commands still queue: a client used right after creation must not fail while
 * its first connect is merely in progress.
 */
function watchLink(connection: Redis): Link {
  const link: Link = { down: false, reason: '', reconnected: [] }
  connection.on('error', (error: Error) => {
    link.reason = `Redis connection failed: ${error.message}`
  })
  connection.on('close', () => {
    if (!link.down && link.reason === '') link.reason = 'Redis connection closed'
    link.down = true
    // Commands sent but not answered would be re-sent after a reconnect; the client's retries
    // (idempotent commands only) decide that instead. `flushQueue` is not in ioredis' typings
    // but has been its way to fail queued commands since v4; without it they time out.
    const flush = (connection as unknown as { flushQueue?: (error: Error) => void }).flushQueue
    if (typeof flush === 'function') flush.call(connection, new Error(link.reason))
  })
  connection.on('ready', () => {
    const wasDown = link.down
    link.down = false
    link.reason = ''
    if (wasDown) for (const listener of link.reconnected) listener()
  })
  return link
}

function waitReady(connection: Redis | Cluster, ms = 5000): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady)
      reject(new RedisError(errors.E_CONNECTION, `Redis was not ready within ${ms} ms`))
    }, ms)
    const onReady = () => {
      clearTimeout(timer)
      resolve()
    }
    connection.once('ready', onReady)
  })
}

export function createTcpTransport(options: TcpConnectionOptions): Transport {
  if (options.connection) return transportOver(options.connection, { owned: false })
  if (options.nodes && options.nodes.length > 0) {
    const redisOptions: RedisOptions = { ...REDIS_DEFAULTS, ...options.ioredis }
    if (options.username !== undefined) redisOptions.username = options.username
    if (options.password !== undefined) redisOptions.password = options.password
    const clusterOptions: ClusterOptions = {
      redisOptions,
      // Commands issued in the same tick leave as one batch per node: that is how a
      // pipeline spanning slots costs one round trip per master.
      enableAutoPipelining: true,
      maxRedirections: 16,
    }
    const cluster = new Cluster(options.nodes, clusterOptions)
    cluster.on('error', () => {})
    return transportOver(cluster, { owned: true })
  }
  const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
    ...REDIS_DEFAULTS,
    ...options.ioredis,
  })
  redis.on('error', () => {})
  return transportOver(redis, { owned: true })
}

/**
 * One transport for a standalone connection or a cluster, created here or borrowed from the
 * caller. A borrowed connection is the caller's to close; only our subscriber is closed.
 */
function transportOver(connection: Redis | Cluster, { owned }: { owned: boolean }): Transport {
  // A cluster is never marked down here (not changed yet): its link stays up, and its own.
  const link = connection instanceof Cluster ? { ...UP, reconnected: [] } : watchLink(connection)
  const { send, start } = senders(connection, link)
  const subs = subscriptions(() => connection.duplicate(), toRedisError)
  return {
    driver: 'tcp',
    server: serverOf(connection),
    send,
    ...(start ? { start } : {}),
    toError: toRedisError,
    pipeline: (commands) =>
      connection instanceof Cluster
        ? // Cluster commands go to their slot's node; auto-pipelining batches them per node.
          Promise.allSettled(commands.map(send)).then(settle)
        : link.down
          ? Promise.reject(
              new RedisError(errors.E_CONNECTION, link.reason, { command: 'PIPELINE' }),
            )
          : pipelineOn(connection, commands),
    masters: async () => {
      if (!(connection instanceof Cluster)) return [send]
      await waitReady(connection)
      return connection.nodes('master').map((node) => senders(node).send)
    },
    subscribe: subs.subscribe,
    track: async (prefixes, listener) => {
      if (!(connection instanceof Cluster)) {
        return trackNode(() => connection.duplicate({ autoResubscribe: false }), prefixes, listener)
      }
      await waitReady(connection)
      // Each master reports the writes to its own slots.
      const masters = connection.nodes('master')
      return trackNodes(
        masters.map((node) => () => node.duplicate({ autoResubscribe: false })),
        prefixes,
        listener,
      )
    },
    onReconnect: (listener) => {
      link.reconnected.push(listener)
    },
    close: async () => {
      await subs.close()
      if (owned) await connection.quit().catch(() => connection.disconnect())
    },
  }
}

function serverOf(connection: Redis | Cluster): { address: string; port?: number } | undefined {
  if (connection instanceof Cluster) {
    // Commands go to the node of their slot; the first seed node names the cluster.
    const [first] = Reflect.get(connection, 'startupNodes') as { host?: string; port?: number }[]
    return first?.host ? { address: first.host, port: first.port } : undefined
  }
  const { host, port, path } = connection.options
  return path ? { address: path } : host ? { address: host, port } : undefined
}

async function pipelineOn(redis: Redis, commands: readonly Command[]): Promise<Settled[]> {
  const pipeline = redis.pipeline()
  for (const command of commands) pipeline.call(...command)
  let results: [Error | null, unknown][] | null
  try {
    results = await pipeline.exec()
  } catch (error) {
    throw toRedisError(error, 'PIPELINE')
  }
  return (results ?? []).map(([error, value], index): Settled => {
    if (!error) return { ok: true, value }
    const mapped = toRedisError(error, commands[index]?.[0] ?? 'PIPELINE')
    // A lost connection fails every command of the batch: that is a transport failure.
    if (mapped.code !== errors.E_COMMAND) throw mapped
    return { ok: false, error: mapped }
  })
}

function settle(results: PromiseSettledResult<unknown>[]): Settled[] {
  return results.map((result): Settled => {
    if (result.status === 'fulfilled') return { ok: true, value: result.value }
    const error = toRedisError(result.reason, 'PIPELINE')
    if (error.code !== errors.E_COMMAND) throw error
    return { ok: false, error }
  })
}
