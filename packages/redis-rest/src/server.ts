import { createAuthenticator, type Role, tokenOf } from './auth'
import type { Backend, Outcome, ParsedCommand } from './backend'
import { type BodyLimits, jsonGuard, tooLarge, tooSlow } from './body'
import {
  type Arg,
  createCommandPolicy,
  isConnectionStateCommand,
  isReadOnlyCommand,
  isScriptCommand,
} from './commands'
import { Deadlines } from './deadlines'
import { encodeResult } from './encoding'
import { CommandError, errors, RestServerError } from './errors'
import { createMemoryBackend } from './memory-backend'
import { parseTarget, type RestServerOptions, resolveOptions } from './options'
import { PubSubHub, type SubscriptionKind } from './pubsub'
import { createRedisBackend } from './redis-backend'
import { Rejection } from './rejection'
import { rewriteScriptCommand, ScriptShaMap, scriptLoadReplySha } from './scripts'

/**
 * One request as the server reads it, from a fetch `Request` or straight from node:http
 * (the Node server skips building a `Request` and a web stream per call).
 */
export type IncomingCall = {
  method: string
  /** The raw path, still percent-encoded: `/get/a%2Fb`. */
  path: string
  /** The raw query string with its `?`, or ''. */
  search: string
  /** A header by lower-case name. */
  header(name: string): string | undefined
  /** The whole body, read within `limits` (a `Rejection` otherwise). */
  body(limits: BodyLimits): Promise<Buffer>
  /** Aborted when the client goes away; subscriptions end with it. */
  signal?: AbortSignal
}

/** What the server answers: a JSON text, or the event stream of a subscription. */
export type OutgoingReply = {
  status: number
  headers: Record<string, string>
  body: string | ReadableStream<Uint8Array>
}

/** The transport-free server; `createRestServer` and `startRestServer` put HTTP around it. */
export type RestCore = {
  handle(call: IncomingCall): Promise<OutgoingReply>
  /** Resolves once Redis connections (and ACL users) are set up; rejects if they cannot be. */
  ready(): Promise<void>
  readonly requests: number
  close(): Promise<void>
}

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

/** Per-request state: who called, and what to name the request in the log line. */
type Call = IncomingCall & { role: Role; label: string; query: URLSearchParams | undefined }

const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT'])
const SYNC_HEADER = 'upstash-sync-token'

function isArgument(value: unknown): value is string | number | boolean {
  const type = typeof value
  // The SDK passes booleans through untouched (`redis.set(k, true)`), so they count.
  return type === 'string' || (type === 'number' && Number.isFinite(value)) || type === 'boolean'
}

function tooManyArgs(maxArgs: number): Rejection {
  return new Rejection(
    400,
    `ERR more than ${maxArgs} arguments in one command`,
    errors.E_LIMIT_EXCEEDED,
  )
}

function tooManyPipelineArgs(maxPipelineArgs: number): Rejection {
  return new Rejection(
    400,
    `ERR more than ${maxPipelineArgs} arguments in one request`,
    errors.E_LIMIT_EXCEEDED,
  )
}

function checkArgCount(count: number, maxArgs: number): void {
  if (count > maxArgs) throw tooManyArgs(maxArgs)
}

function toCommand(value: unknown, maxArgs: number): ParsedCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Rejection(400, 'ERR a command must be a non-empty JSON array')
  }
  checkArgCount(value.length, maxArgs)
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

export function createRestCore(options: RestServerOptions): RestCore {
  const config = resolveOptions(options)
  const target = parseTarget(config.redis)
  const logger = config.logger
  const authenticate = createAuthenticator(config.token, config.readOnlyToken)
  const policy = createCommandPolicy(config.denyList)
  const shas = new ScriptShaMap()

  let backend: Backend | undefined
  const backendReady: Promise<Backend> =
    target.kind === 'memory'
      ? createMemoryBackend(config.requestTimeoutMs, config.denyList)
      : Promise.resolve(
          createRedisBackend({
            target,
            poolSize: config.poolSize,
            logger,
            acl: config.acl,
            token: config.token,
            denyList: config.denyList,
            readOnly: config.readOnlyToken !== undefined,
          }),
        )
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

  const json = (body: unknown, status = 200, extra?: Record<string, string>): OutgoingReply => ({
    status,
    headers: {
      'content-type': 'application/json',
      [SYNC_HEADER]: String(syncToken),
      ...extra,
    },
    body: JSON.stringify(body),
  })

  const failure = (error: unknown): OutgoingReply => {
    if (error instanceof Rejection) {
      const body = error.code
        ? { error: error.message, code: error.code }
        : { error: error.message }
      return json(body, error.status)
    }
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

  /**
   * JSON bodies are bounded as they arrive: a pipeline nests two levels, a command one (its
   * second level is let through, to be refused as a non-scalar argument with the usual
   * message), and their words are counted against `maxArgs` or `maxPipelineArgs`.
   */
  const commandGuard = () =>
    jsonGuard({
      maxDepth: 2,
      wordDepth: 1,
      maxWords: config.maxArgs,
      tooManyWords: () => tooManyArgs(config.maxArgs),
    })
  const pipelineGuard = () =>
    jsonGuard({
      maxDepth: 2,
      wordDepth: 2,
      maxWords: config.maxPipelineArgs,
      tooManyWords: () => tooManyPipelineArgs(config.maxPipelineArgs),
    })
  const readBody = (call: Call, guard?: () => (chunk: Uint8Array) => void): Promise<Buffer> => {
    const declared = call.header('content-length')
    if (declared !== undefined && Number(declared) > config.maxBodyBytes) {
      throw tooLarge(config.maxBodyBytes)
    }
    return call.body({
      maxBytes: config.maxBodyBytes,
      timeoutMs: config.bodyTimeoutMs,
      ...(guard === undefined ? {} : { inspect: guard() }),
    })
  }

  /** Authorizes, executes, and moves the sync token before the response carries it. */
  /**
   * A read-only token's script is only as read-only as Redis makes it: without an ACL user
   * for that token, EVAL_RO could still call SCAN or KEYS, so it is refused here.
   */
  const checkScripts = async (ready: Backend, commands: ParsedCommand[]): Promise<void> => {
    if (!commands.some((command) => isScriptCommand(command.name))) return
    if ((await withTimeout(ready.acl())).readOnly) return
    throw new Rejection(
      403,
      'NOPERM this token may not run scripts: Redis does not enforce an ACL user for it',
    )
  }

  const run = async (
    commands: ParsedCommand[],
    role: Role,
    execute: (ready: Backend) => Promise<unknown>,
  ): Promise<OutgoingReply> => {
    const writes = commands.map((command) => authorize(command, role)).some(Boolean)
    const ready = backend ?? (await getBackend())
    if (role === 'read-only') await checkScripts(ready, commands)
    let body: unknown
    try {
      body = await execute(ready)
    } finally {
      if (writes) syncToken++
    }
    return json(body)
  }

  const single = (call: Call, command: ParsedCommand): Promise<OutgoingReply> => {
    call.label = command.name
    const base64 = isBase64(call)
    return run([command], call.role, async (ready) => {
      const reply = await withTimeout(ready.command(prepare(command), call.role))
      return { result: encodeResult(replyOf(command, reply), base64) }
    })
  }

  const batch = async (call: Call, transaction: boolean): Promise<OutgoingReply> => {
    const body = parseJson(await readBody(call, pipelineGuard))
    if (!Array.isArray(body) || body.length === 0) {
      throw new Rejection(400, 'ERR the body must be a non-empty JSON array of commands')
    }
    if (body.length > config.maxPipelineLength) {
      throw new Rejection(
        400,
        `ERR ${body.length} commands exceed the limit of ${config.maxPipelineLength} per request`,
      )
    }
    const commands = body.map((value) => toCommand(value, config.maxArgs))
    let words = 0
    for (const command of commands) words += command.args.length + 1
    if (words > config.maxPipelineArgs) throw tooManyPipelineArgs(config.maxPipelineArgs)
    call.label = summary(commands)
    const base64 = isBase64(call)
    return run(commands, call.role, async (ready) => {
      const prepared = commands.map(prepare)
      const outcomes: Outcome[] = await withTimeout(
        transaction ? ready.transaction(prepared, call.role) : ready.pipeline(prepared, call.role),
      )
      return outcomes.map((outcome, i) =>
        outcome.ok
          ? { result: encodeResult(replyOf(commands[i] as ParsedCommand, outcome.value), base64) }
          : { error: outcome.error },
      )
    })
  }

  const subscribe = async (call: Call, kind: SubscriptionKind): Promise<OutgoingReply> => {
    const prefix = kind === 'channel' ? '/subscribe/' : '/psubscribe/'
    const name = decodePath(call.path.slice(prefix.length))
    const command = kind === 'channel' ? 'SUBSCRIBE' : 'PSUBSCRIBE'
    call.label = command
    if (name === '') throw new Rejection(400, `ERR ${command} needs a channel or pattern`)
    if (policy.isDenied(command, [name])) {
      throw new Rejection(403, `ERR command '${command.toLowerCase()}' is not allowed`)
    }
    const signal = call.signal
    if (!signal) throw new Error('a subscription needs the request signal')
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
      signal.removeEventListener('abort', end)
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
    signal.addEventListener('abort', end)
    if (signal.aborted) end()
    return {
      status: 200,
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        [SYNC_HEADER]: String(syncToken),
      },
      body: stream,
    }
  }

  const pathStyle = async (call: Call): Promise<OutgoingReply> => {
    const raw = call.path.slice(1)
    const segments = raw === '' ? [] : raw.split('/').map(decodePath)
    const args: Arg[] = [...segments.slice(1)]
    if (call.method === 'POST' || call.method === 'PUT') {
      // Upstash appends a POSTed body as the last argument, raw (JSON or binary).
      const body = await readBody(call)
      if (body.length > 0) args.push(body)
    }
    for (const [key, value] of queryOf(call)) {
      if (key === '_token') continue
      args.push(key)
      if (value !== '') args.push(value)
    }
    const name = segments[0]
    if (!name) throw new Rejection(400, 'ERR empty command')
    checkArgCount(args.length + 1, config.maxArgs)
    return single(call, { name: name.toUpperCase(), args })
  }

  /** The routes; HEAD is served as GET (the adapters drop its body). */
  const route = async (call: Call): Promise<OutgoingReply> => {
    const { path } = call
    const writes = call.method === 'POST' || call.method === 'PUT'
    if (path === '/' && writes) {
      return single(call, toCommand(parseJson(await readBody(call, commandGuard)), config.maxArgs))
    }
    if (path === '/pipeline' || path === '/multi-exec') {
      if (writes) return batch(call, path === '/multi-exec')
      return json({ error: `ERR ${path} needs POST` }, 405, { allow: 'POST, PUT' })
    }
    if (path.startsWith('/subscribe/')) return subscribe(call, 'channel')
    if (path.startsWith('/psubscribe/')) return subscribe(call, 'pattern')
    return pathStyle(call)
  }

  /** Method, format, shutdown and token checks, then the route, counted for draining. */
  const admit = async (call: Call): Promise<OutgoingReply> => {
    if (!ALLOWED_METHODS.has(call.method)) {
      return json({ error: `ERR method ${call.method} is not allowed` }, 405, {
        allow: 'GET, HEAD, POST, PUT',
      })
    }
    const format = call.header('upstash-response-format')
    if (format !== undefined && format.toLowerCase() !== 'json') {
      // RESP2 responses are an Upstash option this server does not offer; say so.
      return json({ error: `ERR Upstash-Response-Format ${format} is not supported` }, 400)
    }
    if (closing) return json({ error: 'ERR the server is shutting down' }, 503)
    const authorization = call.header('authorization')
    const role = authenticate(
      tokenOf(
        authorization,
        authorization ? undefined : (queryOf(call).get('_token') ?? undefined),
      ),
    )
    if (!role) return json({ error: 'ERR unauthorized: missing or invalid token' }, 401)
    call.role = role
    inFlight++
    try {
      return await route(call)
    } finally {
      inFlight--
      if (inFlight === 0) onIdle?.()
    }
  }

  return {
    async handle(incoming) {
      requests++
      const started = logger.debug ? performance.now() : 0
      const call = incoming as Call
      call.label = '-'
      call.query = undefined
      let reply: OutgoingReply
      try {
        reply = await admit(call)
      } catch (error) {
        reply = failure(error)
      }
      if (logger.debug) {
        const ms = (performance.now() - started).toFixed(1)
        logger.debug(
          `${call.method} ${endpointOf(call.path)} ${call.label} ${reply.status} ${ms}ms`,
        )
      }
      return reply
    },
    async ready() {
      await (await getBackend()).ready()
    },
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

/** The fetch handler around the core: any runtime with `Request`/`Response`, or Hono's `mount`. */
export function createRestServer(options: RestServerOptions): RestServer {
  return serveFetch(createRestCore(options))
}

/** The fetch adapter of a core. */
export function serveFetch(core: RestCore): RestServer {
  return {
    async fetch(request) {
      const url = new URL(request.url)
      const reply = await core.handle({
        method: request.method,
        path: url.pathname,
        search: url.search,
        header: (name) => request.headers.get(name) ?? undefined,
        body: (limits) => readRequestBody(request, limits),
        signal: request.signal,
      })
      return new Response(request.method === 'HEAD' ? null : reply.body, {
        status: reply.status,
        headers: reply.headers,
      })
    },
    get requests() {
      return core.requests
    },
    close: () => core.close(),
  }
}

/** A fetch `Request` body, read chunk by chunk within `limits`. */
async function readRequestBody(request: Request, limits: BodyLimits): Promise<Buffer> {
  const body = request.body
  if (!body) return Buffer.alloc(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooSlow(limits.timeoutMs)), limits.timeoutMs)
  })
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut])
      if (done) break
      size += value.byteLength
      if (size > limits.maxBytes) throw tooLarge(limits.maxBytes)
      limits.inspect?.(value)
      chunks.push(value)
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined)
    throw error
  } finally {
    clearTimeout(timer)
  }
  return Buffer.concat(chunks)
}

export { Rejection }

function queryOf(call: Call): URLSearchParams {
  call.query ??= new URLSearchParams(call.search)
  return call.query
}

function isBase64(call: Call): boolean {
  return call.header('upstash-encoding')?.toLowerCase() === 'base64'
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
