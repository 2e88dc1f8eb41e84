import {
  type ChainableCommander,
  Cluster,
  Command,
  type Pipeline,
  Redis,
  type RedisOptions,
} from 'ioredis'
import {
  type AclEnforcement,
  type AclMode,
  type AclUser,
  aclCandidates,
  aclRules,
  derivedAclUsers,
} from './acl'
import type { Role } from './auth'
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

export type RedisBackendOptions = {
  target: RedisBackendTarget
  poolSize: number
  logger: RestLogger
  acl: AclMode
  /** The read-write token, from which `'auto'` derives its users. */
  token: string
  denyList: readonly string[]
  /** Whether a read-only token is configured (and so a read-only user is needed). */
  readOnly: boolean
}

type Pool = { pick(): Client; clients: Client[] }
type Pools = { readWrite: Pool; readOnly: Pool; enforcement: AclEnforcement }

/** A URL with its credentials replaced: ioredis lets a URL's user win over its options. */
function withUser(url: string, user: AclUser | undefined): string {
  if (!user) return url
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(user.username)
  parsed.password = encodeURIComponent(user.password)
  return parsed.toString()
}

export function createRedisBackend(options: RedisBackendOptions): Backend {
  const { target, poolSize, logger } = options
  let lastError = ''
  const onError = (error: Error) => {
    // One line per distinct failure, not one per reconnect attempt; never the URL.
    const message = `redis connection error: ${error.message}`
    if (message !== lastError) logger.warn?.(message)
    lastError = message
  }
  const create = (user: AclUser | undefined): Client => {
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
                ...clusterCredentials(target, user),
              },
            },
          )
        : new Redis(withUser(target.url, user), BASE_OPTIONS)
    client.on('error', onError)
    if (client instanceof Redis) failFastWhileDown(client)
    client.on('ready', () => {
      lastError = ''
    })
    return client
  }
  const pool = (user: AclUser | undefined): Pool => {
    const clients = Array.from({ length: poolSize }, () => create(user))
    let next = 0
    return {
      clients,
      pick() {
        const client = clients[next % clients.length] as Client
        next = (next + 1) % clients.length
        return client
      },
    }
  }
  const pools: Pool[] = []
  const open = (enforcement: AclEnforcement, rw?: AclUser, ro?: AclUser): Pools => {
    const readWrite = pool(rw)
    pools.push(readWrite)
    let readOnly = readWrite
    if (options.readOnly && ro) {
      readOnly = pool(ro)
      pools.push(readOnly)
    }
    return { readWrite, readOnly, enforcement }
  }

  const unenforced = (reason: string): Pools => {
    logger.warn?.(
      `redis ACL users unavailable (${reason}): the deny list binds requests but not the ` +
        'scripts they run, and read-only tokens may not run scripts. Set the acl option to ' +
        "users you provisioned, or let the server's Redis user run ACL SETUSER.",
    )
    return open({ readWrite: false, readOnly: false })
  }

  const setUp = async (): Promise<Pools> => {
    const acl = options.acl
    if (acl === 'off') return open({ readWrite: false, readOnly: false })
    if (typeof acl === 'object') {
      if (options.readOnly && !acl.readOnly) {
        logger.warn?.(
          'acl.readOnly is not set: read-only tokens run on the read-write user and may not run scripts',
        )
      }
      return open(
        { readWrite: true, readOnly: acl.readOnly !== undefined },
        acl.readWrite,
        acl.readOnly,
      )
    }
    const users = derivedAclUsers(options.token, options.denyList)
    try {
      await provision(target, users, options)
    } catch (error) {
      if (!isReplyError(error)) throw error
      if (acl === 'require') {
        throw new RestServerError(
          errors.E_ACL_UNAVAILABLE,
          `redis refused to create the ACL users: ${error.message}`,
          { cause: error },
        )
      }
      return unenforced(error.message)
    }
    logger.info?.(
      `redis ACL users ${users.readWrite.username}${options.readOnly ? ` and ${users.readOnly.username}` : ''} ready: Redis enforces the deny list${options.readOnly ? ' and the read-only token' : ''}, scripts included`,
    )
    return open({ readWrite: true, readOnly: options.readOnly }, users.readWrite, users.readOnly)
  }

  let ready: Pools | undefined
  let settingUp: Promise<Pools> | undefined
  let closed = false
  // Set up on first use, and again after a failure that was not Redis refusing (Redis down).
  const setup = (): Promise<Pools> => {
    if (closed) {
      return Promise.reject(
        new RestServerError(errors.E_BACKEND_UNAVAILABLE, 'ERR redis is unavailable'),
      )
    }
    settingUp ??= setUp().then(
      (value) => {
        ready = value
        return value
      },
      (error: unknown) => {
        settingUp = undefined
        throw toBackendError(error)
      },
    )
    return settingUp
  }
  void setup().catch(() => undefined)
  const clientFor = async (role: Role): Promise<Client> => {
    const p = ready ?? (await setup())
    return (role === 'read-only' ? p.readOnly : p.readWrite).pick()
  }

  return {
    kind: target.kind,

    async acl() {
      return (ready ?? (await setup())).enforcement
    },

    async ready() {
      await setup()
    },

    async command({ name, args }, role) {
      try {
        return await send(ready ? pickFrom(ready, role) : await clientFor(role), name, args)
      } catch (error) {
        throw toBackendError(error)
      }
    },

    async pipeline(commands, role) {
      const client = await clientFor(role)
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

    async transaction(commands, role) {
      const multi = (await clientFor(role)).multi()
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
      const connection = (await clientFor('read-write')).duplicate()
      connection.on('error', onError)
      return ioredisSubscriber(connection)
    },

    async close() {
      closed = true
      await settingUp?.catch(() => undefined)
      const clients = pools.flatMap((p) => p.clients)
      await Promise.allSettled(clients.map((client) => client.quit()))
      for (const client of clients) client.disconnect()
    },
  }
}

function pickFrom(pools: Pools, role: Role): Client {
  return (role === 'read-only' ? pools.readOnly : pools.readWrite).pick()
}

function clusterCredentials(
  target: Extract<RedisBackendTarget, { kind: 'cluster' }>,
  user: AclUser | undefined,
): { username?: string; password?: string } {
  if (user) return { username: user.username, password: user.password }
  return {
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.username === undefined ? {} : { username: target.username }),
  }
}

/**
 * Creates (or resets) the ACL users on every node, over one short-lived connection as the
 * configured Redis user. A reply error (no ACL before Redis 6, NOPERM) rejects as such.
 */
async function provision(
  target: RedisBackendTarget,
  users: { readWrite: AclUser; readOnly: AclUser },
  options: RedisBackendOptions,
): Promise<void> {
  const admin =
    target.kind === 'cluster'
      ? new Cluster(
          target.nodes.map((n) => ({ host: n.host, port: n.port })),
          {
            clusterRetryStrategy: () => null,
            redisOptions: {
              maxRetriesPerRequest: 1,
              connectTimeout: BASE_OPTIONS.connectTimeout,
              ...clusterCredentials(target, undefined),
            },
          },
        )
      : new Redis(target.url, {
          maxRetriesPerRequest: 1,
          connectTimeout: BASE_OPTIONS.connectTimeout,
          retryStrategy: () => null,
        })
  admin.on('error', () => undefined)
  try {
    const nodes: Redis[] = admin instanceof Cluster ? await clusterNodes(admin) : [admin]
    const candidates = aclCandidates(options.denyList)
    for (const node of nodes) {
      const info = (await node.call('COMMAND', 'INFO', ...candidates)) as unknown[]
      const known = new Set(candidates.filter((_, i) => info[i] !== null))
      const has = (name: string) => known.has(name)
      const setUser = (user: AclUser, role: Role) =>
        node.call(
          'ACL',
          'SETUSER',
          user.username,
          'reset',
          'on',
          `>${user.password}`,
          ...aclRules(role, options.denyList, has),
        )
      await setUser(users.readWrite, 'read-write')
      if (options.readOnly) await setUser(users.readOnly, 'read-only')
    }
  } finally {
    admin.disconnect()
  }
}

/** Every node of a cluster, replicas too: ACL users are per node, not replicated. */
async function clusterNodes(cluster: Cluster): Promise<Redis[]> {
  await new Promise<void>((resolve, reject) => {
    if (cluster.status === 'ready') return resolve()
    cluster.once('ready', () => resolve())
    cluster.once('end', () => reject(new Error('cluster connection closed')))
  })
  return cluster.nodes('all')
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
