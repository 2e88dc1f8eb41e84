import { type Context, Hono } from 'hono'
import { createAuthenticator, type Role, tokenOf } from './auth'
import type { Backend, Outcome, ParsedCommand } from './backend'
import {
  type Arg,
  createCommandPolicy,
  isConnectionStateCommand,
  isReadOnlyCommand,
} from './commands'
import { Deadlines } from './deadlines'
import { encodeResult } from './encoding'
import { CommandError, errors, RestServerError } from './errors'
import { createMemoryBackend } from './memory-backend'
import { parseTarget, type RestServerOptions, resolveOptions } from './options'
import { PubSubHub, type SubscriptionKind } from './pubsub'
import { createRedisBackend } from './redis-backend'
import { rewriteScriptCommand, ScriptShaMap, scriptLoadReplySha } from './scripts'

export type RestServer = {
  /** The fetch handler: serve it, or mount it in another Hono app (`app.mount('/redis', rest.fetch)`). */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>
  /** HTTP requests received so far, answered or refused. */
  readonly requests: number
  /**
   * Refuses new requests (503), ends open subscriptions, waits up to `drainTimeoutMs` for
   * in-flight requests, then closes the Redis connections.
   */
  close(): Promise<void>
}

/** A refusal decided before Redis is asked: status and Upstash-style error text. */
class Rejection extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

type Env = { Variables: { role: Role; label: string } }

const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT'])
const SYNC_HEADER = 'upstash-sync-token'

function isArgument(value: unknown): value is string | number | boolean {
  const type = typeof value
  // The SDK passes booleans through untouched (`redis.set(k, true)`), so they count.
  return type === 'string' || (type === 'number' && Number.isFinite(value)) || type === 'boolean'
}

function toCommand(value: unknown): ParsedCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Rejection(400, 'ERR a command must be a non-empty JSON array')
  }
  if (!value.every(isArgument)) {
    throw new Rejection(400, 'ERR command arguments must be strings or numbers')
  }
  const [name, ...args] = value as (string | number | boolean)[]
  return { name: String(name).toUpperCase(), args: args.map(String) }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new Rejection(400, 'ERR the request body is not valid JSON')
  }
}

function summary(commands: readonly ParsedCommand[]): string {
  const names = commands.slice(0, 5).map((c) => c.name)
  return commands.length > 5 ? `${names.join(',')},… (${commands.length})` : names.join(',')
}

export function createRestServer(options: RestServerOptions): RestServer {
  const config = resolveOptions(options)
  const target = parseTarget(config.redis)
  const logger = config.logger
  const authenticate = createAuthenticator(config.token, config.readOnlyToken)
  const policy = createCommandPolicy(config.denyList)
  const shas = new ScriptShaMap()

  let backend: Backend | undefined
  const backendReady: Promise<Backend> =
    target.kind === 'memory'
      ? createMemoryBackend(config.requestTimeoutMs)
      : Promise.resolve(createRedisBackend(target, config.poolSize, logger))
  backendReady.then(
    (ready) => {
      backend = ready
    },
    () => undefined,
  )
  const getBackend = async (): Promise<Backend> => {
    if (backend) return backend
    try {
      return await backendReady
    } catch (error) {
      if (error instanceof RestServerError) throw error
      throw new RestServerError(errors.E_BACKEND_UNAVAILABLE, 'ERR redis is unavailable', {
        cause: error,
      })
    }
  }
  const hub = new PubSubHub(async () => (await getBackend()).createSubscriber())

  let requests = 0
  let inFlight = 0
  let closing = false
  let closed: Promise<void> | undefined
  let onIdle: (() => void) | undefined
  // Every reply goes out after Redis acknowledged it, and reads go to the primary, so a
  // request sent after any earlier response observes that response's writes. The token
  // counts completed writes so a client can see that it moved.
  let syncToken = 0
  const streams = new Set<() => void>()

  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', [SYNC_HEADER]: String(syncToken) },
    })

  const failure = (error: unknown): Response => {
    if (error instanceof Rejection) return json({ error: error.message }, error.status)
    if (error instanceof CommandError) return json({ error: error.message }, 400)
    if (error instanceof RestServerError) {
      if (error.code === errors.E_TIMEOUT) return json({ error: error.message }, 504)
      return json({ error: error.message }, 503)
    }
    logger.error?.(`unexpected ${error instanceof Error ? error.name : typeof error} in a request`)
    return json({ error: 'ERR internal server error' }, 500)
  }

  const deadlines = new Deadlines(config.requestTimeoutMs)
  const withTimeout = <T>(work: Promise<T>): Promise<T> => deadlines.run(work)

  /** Refuses what this token may not run; returns whether the command writes. */
  const authorize = (command: ParsedCommand, role: Role): boolean => {
    const { name, args } = command
    if (isConnectionStateCommand(name, args)) {
      throw new Rejection(400, `ERR ${name} is not supported over REST`)
    }
    if (policy.isDenied(name, args)) {
      throw new Rejection(403, `ERR command '${name.toLowerCase()}' is not allowed`)
    }
    const reads = isReadOnlyCommand(name, args)
    if (role === 'read-only' && !reads) {
      throw new Rejection(
        403,
        `NOPERM this token has no permissions to run the '${name.toLowerCase()}' command`,
      )
    }
    return !reads
  }

  const prepare = (command: ParsedCommand): ParsedCommand => ({
    name: command.name,
    args: rewriteScriptCommand(command.name, command.args, shas),
  })

  const replyOf = (command: ParsedCommand, reply: unknown): unknown =>
    scriptLoadReplySha(command.name, command.args) ?? reply

  const readBody = async (c: Context<Env>): Promise<Buffer> => {
    const declared = c.req.header('content-length')
    if (declared !== undefined && Number(declared) > config.maxBodyBytes) {
      throw new Rejection(413, `ERR request body exceeds ${config.maxBodyBytes} bytes`)
    }
    const body = c.req.raw.body
    if (!body) return Buffer.alloc(0)
    if (declared !== undefined) return Buffer.from(await c.req.raw.arrayBuffer())
    // No length announced (chunked): count while reading and stop at the limit.
    const chunks: Uint8Array[] = []
    let size = 0
    const reader = body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > config.maxBodyBytes) {
        await reader.cancel()
        throw new Rejection(413, `ERR request body exceeds ${config.maxBodyBytes} bytes`)
      }
      chunks.push(value)
    }
    return Buffer.concat(chunks)
  }

  /** Authorizes, executes, and moves the sync token before the response carries it. */
  const run = async (
    commands: ParsedCommand[],
    role: Role,
    execute: () => Promise<unknown>,
  ): Promise<Response> => {
    const writes = commands.map((command) => authorize(command, role)).some(Boolean)
    let body: unknown
    try {
      body = await execute()
    } finally {
      if (writes) syncToken++
    }
    return json(body)
  }

  const single = async (c: Context<Env>, command: ParsedCommand): Promise<Response> => {
    c.set('label', command.name)
    const role = c.get('role')
    const base64 = isBase64(c)
    return run([command], role, async () => {
      const ready = await getBackend()
      const reply = await withTimeout(ready.command(prepare(command)))
      return { result: encodeResult(replyOf(command, reply), base64) }
    })
  }

  const batch = async (c: Context<Env>, transaction: boolean): Promise<Response> => {
    const body = parseJson(await readBody(c))
    if (!Array.isArray(body) || body.length === 0) {
      throw new Rejection(400, 'ERR the body must be a non-empty JSON array of commands')
    }
    if (body.length > config.maxPipelineLength) {
      throw new Rejection(
        400,
        `ERR ${body.length} commands exceed the limit of ${config.maxPipelineLength} per request`,
      )
    }
    const commands = body.map(toCommand)
    c.set('label', summary(commands))
    const base64 = isBase64(c)
    return run(commands, c.get('role'), async () => {
      const ready = await getBackend()
      const prepared = commands.map(prepare)
      const outcomes: Outcome[] = await withTimeout(
        transaction ? ready.transaction(prepared) : ready.pipeline(prepared),
      )
      return outcomes.map((outcome, i) =>
        outcome.ok
          ? { result: encodeResult(replyOf(commands[i] as ParsedCommand, outcome.value), base64) }
          : { error: outcome.error },
      )
    })
  }

  const subscribe = async (c: Context<Env>, kind: SubscriptionKind): Promise<Response> => {
    const prefix = kind === 'channel' ? '/subscribe/' : '/psubscribe/'
    // The raw path: Hono's c.req.path is already percent-decoded once.
    const path = new URL(c.req.url).pathname
    const name = decodePath(path.slice(path.indexOf(prefix) + prefix.length))
    const command = kind === 'channel' ? 'SUBSCRIBE' : 'PSUBSCRIBE'
    c.set('label', command)
    if (name === '') throw new Rejection(400, `ERR ${command} needs a channel or pattern`)
    if (policy.isDenied(command, [name])) {
      throw new Rejection(403, `ERR command '${command.toLowerCase()}' is not allowed`)
    }
    const encoder = new TextEncoder()
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    const send = (line: string) => {
      try {
        controller?.enqueue(encoder.encode(line))
      } catch {
        // The stream is already closed; cleanup is on its way.
      }
    }
    // Framing as the SDK's Subscriber parses it: `data: <type>,<channel>,<message>` lines.
    const listener = (channel: string, message: string, pattern?: string) =>
      send(
        pattern === undefined
          ? `data: message,${channel},${message}\n\n`
          : `data: pmessage,${pattern},${channel},${message}\n\n`,
      )
    const unsubscribe = await withTimeout(hub.add(kind, name, listener))
    let heartbeat: NodeJS.Timeout | undefined
    let ended = false
    const end = () => {
      if (ended) return
      ended = true
      clearInterval(heartbeat)
      streams.delete(end)
      c.req.raw.signal.removeEventListener('abort', end)
      try {
        controller?.close()
      } catch {
        // Already closed by the client going away.
      }
      unsubscribe().catch(() => undefined)
    }
    const stream = new ReadableStream<Uint8Array>({
      start(ready) {
        controller = ready
        ready.enqueue(
          encoder.encode(`data: ${kind === 'channel' ? 'subscribe' : 'psubscribe'},${name},1\n\n`),
        )
      },
      cancel: end,
    })
    // A comment line keeps proxies from timing the stream out; the SDK skips it.
    heartbeat = setInterval(() => send(': keep-alive\n\n'), config.heartbeatMs)
    heartbeat.unref()
    streams.add(end)
    c.req.raw.signal.addEventListener('abort', end)
    if (c.req.raw.signal.aborted) end()
    return new Response(stream, {
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        [SYNC_HEADER]: String(syncToken),
      },
    })
  }

  const pathStyle = async (c: Context<Env>): Promise<Response> => {
    const raw = new URL(c.req.url).pathname.slice(1)
    const segments = raw === '' ? [] : raw.split('/').map(decodePath)
    const args: Arg[] = [...segments.slice(1)]
    if (c.req.method === 'POST' || c.req.method === 'PUT') {
      // Upstash appends a POSTed body as the last argument, raw (JSON or binary).
      const body = await readBody(c)
      if (body.length > 0) args.push(body)
    }
    for (const [key, value] of new URL(c.req.url).searchParams) {
      if (key === '_token') continue
      args.push(key)
      if (value !== '') args.push(value)
    }
    const name = segments[0]
    if (!name) throw new Rejection(400, 'ERR empty command')
    return single(c, { name: name.toUpperCase(), args })
  }

  const app = new Hono<Env>()

  app.use('*', async (c, next) => {
    requests++
    const started = performance.now()
    c.set('label', '-')
    try {
      if (!ALLOWED_METHODS.has(c.req.method)) {
        c.res = json({ error: `ERR method ${c.req.method} is not allowed` }, 405)
        c.header('allow', 'GET, HEAD, POST, PUT')
        return
      }
      const format = c.req.header('upstash-response-format')
      if (format !== undefined && format.toLowerCase() !== 'json') {
        // RESP2 responses are an Upstash option this server does not offer; say so.
        c.res = json({ error: `ERR Upstash-Response-Format ${format} is not supported` }, 400)
        return
      }
      if (closing) {
        c.res = json({ error: 'ERR the server is shutting down' }, 503)
        return
      }
      const authorization = c.req.header('authorization')
      const role = authenticate(
        tokenOf(authorization, authorization ? undefined : c.req.query('_token')),
      )
      if (!role) {
        c.res = json({ error: 'ERR unauthorized: missing or invalid token' }, 401)
        return
      }
      c.set('role', role)
      inFlight++
      try {
        await next()
      } finally {
        inFlight--
        if (inFlight === 0) onIdle?.()
      }
    } finally {
      if (logger.debug) {
        const ms = (performance.now() - started).toFixed(1)
        logger.debug(
          `${c.req.method} ${endpointOf(c.req.path)} ${c.get('label')} ${c.res.status} ${ms}ms`,
        )
      }
    }
  })

  app.on(['POST', 'PUT'], '/', async (c) => single(c, toCommand(parseJson(await readBody(c)))))
  app.on(['POST', 'PUT'], '/pipeline', (c) => batch(c, false))
  app.on(['POST', 'PUT'], '/multi-exec', (c) => batch(c, true))
  app.on(['GET', 'HEAD'], ['/pipeline', '/multi-exec'], (c) => {
    c.header('allow', 'POST, PUT')
    return json({ error: `ERR ${c.req.path} needs POST` }, 405)
  })
  app.on(['GET', 'POST', 'PUT'], '/subscribe/*', (c) => subscribe(c, 'channel'))
  app.on(['GET', 'POST', 'PUT'], '/psubscribe/*', (c) => subscribe(c, 'pattern'))
  app.all('*', pathStyle)
  app.onError((error) => failure(error))

  return {
    fetch: (request, env) => app.fetch(request, env),
    get requests() {
      return requests
    },
    close() {
      closed ??= (async () => {
        closing = true
        for (const end of [...streams]) end()
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, config.drainTimeoutMs)
            onIdle = () => {
              clearTimeout(timer)
              resolve()
            }
          })
        }
        await hub.close()
        await (await backendReady.catch(() => undefined))?.close()
      })()
      return closed
    },
  }
}

function isBase64(c: Context<Env>): boolean {
  return c.req.header('upstash-encoding')?.toLowerCase() === 'base64'
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new Rejection(400, 'ERR the path is not valid percent-encoding')
  }
}

/** The endpoint for log lines; a path-style command's path holds keys and values. */
function endpointOf(path: string): string {
  if (path === '/' || path === '/pipeline' || path === '/multi-exec') return path
  if (path.startsWith('/subscribe/')) return '/subscribe'
  if (path.startsWith('/psubscribe/')) return '/psubscribe'
  return '/<command>'
}
