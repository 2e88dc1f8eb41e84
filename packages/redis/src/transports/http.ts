import { createHttpAgent } from '#http-client'
import { connectionError, errors, RedisError } from '../errors'
import type { Command, MessageHandler, Unsubscribe } from '../types'
import type { HttpAgent, HttpReply } from './http-agent'
import type { Sender, Settled, Transport } from './transport'

export type HttpConnectionOptions = {
  /** REST URL, e.g. `https://eu1-example.upstash.io`; a path (`https://host/redis`) is kept. */
  url: string
  /** REST token (read-write, or read-only for read paths). */
  token: string
  /**
   * Later commands of this client observe its earlier writes across Upstash replicas: each
   * request carries the newest `upstash-sync-token` the server answered with.
   * @default true
   */
  readYourWrites?: boolean
  /**
   * Commands issued in the same tick travel in one HTTP request (`/pipeline`); each still
   * settles on its own. Batches do not wait for each other: several are in flight at once.
   * @default true
   */
  autoPipeline?: boolean
  /**
   * `json`: replies as plain JSON strings. `base64`: `Upstash-Encoding: base64`, every string
   * as base64 of its bytes, decoded here with a decoder that keeps a leading U+FEFF. Both
   * round-trip every UTF-8 value; `json` costs less CPU on both ends (see README).
   * @default 'json'
   */
  encoding?: 'json' | 'base64'
  /** Keep-alive sockets to the server on Node (undici). Ignored by `fetch`. @default 16 */
  connections?: number
  /**
   * A request unanswered after this many ms is abandoned (its socket closed, on Node), so a
   * hung server cannot hold the sockets after the client's `timeoutMs` gave up on the calls.
   * @default 10000
   */
  requestTimeoutMs?: number
  /**
   * A `fetch` to send with instead of the runtime's (a proxy, a test double, a Workers
   * service binding's `fetch`). Given, Node uses it instead of undici too.
   * @default globalThis.fetch on edge runtimes, an undici pool on Node
   */
  fetch?: typeof fetch
}

/** The REST server's limit for one pipeline request (Upstash's and hotpath-redis-rest's). */
const MAX_BATCH = 1000
/** Flush a batch before its body passes this many characters: Upstash caps request size. */
const MAX_BATCH_CHARS = 1_000_000
const SYNC_HEADER = 'upstash-sync-token'

/**
 * Replies that say the server cannot reach Redis, not that Redis refused the command (see the
 * upstash transport): counted as transport failures, like a refused socket.
 */
const UNAVAILABLE = /^ERR (redis is unavailable|the server is shutting down)\b/

function invalid(message: string): never {
  throw new RedisError(errors.E_OPTION_INVALID, message)
}

function parseOptions(options: HttpConnectionOptions): { origin: string; base: string } {
  let url: URL
  try {
    url = new URL(String(options.url))
  } catch (cause) {
    throw new RedisError(
      errors.E_OPTION_INVALID,
      `url is not a URL (got "${String(options.url)}"); use something like https://eu1-example-12345.upstash.io`,
      { cause },
    )
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    invalid(`url must be an http:// or https:// URL (got "${options.url}")`)
  }
  if (typeof options.token !== 'string' || options.token === '' || /\s/.test(options.token)) {
    invalid('token must be a non-empty string without whitespace, exactly as the console shows it')
  }
  const connections = options.connections ?? 16
  if (!Number.isSafeInteger(connections) || connections <= 0) {
    invalid(`connections must be a positive integer (got ${String(options.connections)})`)
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs <= 0) {
    invalid(`requestTimeoutMs must be a positive integer (got ${String(options.requestTimeoutMs)})`)
  }
  if (
    options.encoding !== undefined &&
    options.encoding !== 'json' &&
    options.encoding !== 'base64'
  ) {
    invalid(`encoding must be 'json' or 'base64' (got "${String(options.encoding)}")`)
  }
  return { origin: url.origin, base: url.pathname.replace(/\/+$/, '') }
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

function fromBase64(value: string): string {
  const binary = atob(value)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return decoder.decode(bytes)
}

/** Undoes `Upstash-Encoding: base64`: every string, except a top-level `OK`, is base64. */
function decodeResult(value: unknown, top: boolean): unknown {
  if (typeof value === 'string') return top && value === 'OK' ? value : fromBase64(value)
  if (Array.isArray(value)) return value.map((item) => decodeResult(item, false))
  return value
}

function replyError(message: string, name: string): RedisError {
  const code = UNAVAILABLE.test(message) ? errors.E_CONNECTION : errors.E_COMMAND
  return new RedisError(code, message, { command: name })
}

/**
 * What an HTTP status means for the command. 401: the token is wrong, a configuration error
 * that no retry fixes and the breaker must not count. 5xx (the server's 503 while Redis is
 * down, a proxy's 502): the path to Redis failed. Any other refusal with an `error` (400 for a
 * Redis error, 403 for a denied command or a read-only token, as NOPERM is over TCP) is the
 * server's answer to this command.
 */
function statusError(reply: HttpReply, body: unknown, name: string): RedisError {
  const message =
    body !== null &&
    typeof body === 'object' &&
    typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : undefined
  if (reply.status === 401) {
    return new RedisError(
      errors.E_UNAUTHORIZED,
      `${name}: the server refused the token (HTTP 401${message ? `: ${message}` : ''}); check the REST token`,
      { command: name },
    )
  }
  if (reply.status >= 500 || message === undefined) {
    return new RedisError(errors.E_CONNECTION, message ?? `${name} failed: HTTP ${reply.status}`, {
      command: name,
    })
  }
  return replyError(message, name)
}

/** The JSON body of a reply, or the error it stands for. */
function bodyOf(reply: HttpReply, name: string): unknown {
  let body: unknown
  try {
    body = JSON.parse(reply.body)
  } catch (cause) {
    // A proxy's error page or a body cut short: not an answer from Redis.
    throw new RedisError(
      errors.E_CONNECTION,
      `${name} failed: HTTP ${reply.status} with a body that is not JSON (${reply.contentType || 'no content-type'})`,
      { cause, command: name },
    )
  }
  if (reply.status < 200 || reply.status >= 300) throw statusError(reply, body, name)
  return body
}

type Queued = {
  command: Command
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** Splits `data: message,<channel>,<message>` into its parts. */
function messageOf(data: string, channel: string): string | undefined {
  const prefix = `message,${channel},`
  return data.startsWith(prefix) ? data.slice(prefix.length) : undefined
}

export function createHttpTransport(options: HttpConnectionOptions): Transport {
  const { origin, base } = parseOptions(options)
  const base64 = options.encoding === 'base64'
  const readYourWrites = options.readYourWrites ?? true
  const fetchImpl = options.fetch
  const agent: HttpAgent = createHttpAgent(origin, {
    connections: options.connections ?? 16,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    fetch: fetchImpl,
  })
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json',
  }
  if (base64) headers['upstash-encoding'] = 'base64'
  let syncToken: string | undefined
  let closed = false

  // Replies can arrive out of order with several requests in flight; a numeric token (as
  // hotpath-redis-rest sends) only moves forward, an opaque one is taken as it comes.
  const noteSync = (token: string | undefined) => {
    if (!readYourWrites || token === undefined) return
    if (syncToken !== undefined) {
      const next = Number(token)
      const current = Number(syncToken)
      if (Number.isSafeInteger(next) && Number.isSafeInteger(current) && next < current) return
    }
    syncToken = token
  }

  const post = async (path: string, body: string): Promise<HttpReply> => {
    const sent = syncToken === undefined ? headers : { ...headers, [SYNC_HEADER]: syncToken }
    const reply = await agent.post(base + path, body, sent)
    noteSync(reply.syncToken)
    return reply
  }

  const serialize = (command: Command) => JSON.stringify(command)

  const sendOne: Sender = async (command) => {
    const name = command[0]
    let reply: HttpReply
    try {
      reply = await post('/', serialize(command))
    } catch (error) {
      throw connectionError(error, name)
    }
    const body = bodyOf(reply, name) as { result?: unknown; error?: unknown }
    if (typeof body?.error === 'string') throw replyError(body.error, name)
    const result = body?.result ?? null
    return base64 ? decodeResult(result, true) : result
  }

  const execPipeline = async (commands: readonly Command[], body?: string): Promise<Settled[]> => {
    let reply: HttpReply
    try {
      reply = await post('/pipeline', body ?? `[${commands.map(serialize).join(',')}]`)
    } catch (error) {
      throw connectionError(error, 'PIPELINE')
    }
    const results = bodyOf(reply, 'PIPELINE')
    if (!Array.isArray(results) || results.length !== commands.length) {
      throw new RedisError(
        errors.E_CONNECTION,
        `PIPELINE failed: the server answered ${Array.isArray(results) ? results.length : 'no'} replies for ${commands.length} commands`,
        { command: 'PIPELINE' },
      )
    }
    return results.map((entry: { result?: unknown; error?: unknown } | null, index): Settled => {
      const name = commands[index]?.[0] ?? 'PIPELINE'
      if (typeof entry?.error === 'string')
        return { ok: false, error: replyError(entry.error, name) }
      const result = entry?.result ?? null
      return { ok: true, value: base64 ? decodeResult(result, true) : result }
    })
  }

  // One batch per tick. A flushed batch is on its own request: the next tick's batch goes
  // out at once on another socket instead of waiting for this one's reply.
  let queue: Queued[] = []
  let queuedChars = 0
  let parts: string[] = []
  const flush = () => {
    const batch = queue
    const body = parts
    queue = []
    parts = []
    queuedChars = 0
    if (batch.length === 0) return
    if (batch.length === 1) {
      const [only] = batch as [Queued]
      sendOne(only.command).then(only.resolve, only.reject)
      return
    }
    execPipeline(
      batch.map((q) => q.command),
      `[${body.join(',')}]`,
    ).then(
      (settled) => {
        for (let i = 0; i < batch.length; i++) {
          const queued = batch[i] as Queued
          const result = settled[i] as Settled
          if (result.ok) queued.resolve(result.value)
          else queued.reject(result.error)
        }
      },
      (error: unknown) => {
        for (const queued of batch) {
          queued.reject(
            error instanceof RedisError
              ? new RedisError(error.code, error.message, {
                  cause: error.cause,
                  command: queued.command[0],
                })
              : connectionError(error, queued.command[0]),
          )
        }
      },
    )
  }
  const send: Sender =
    options.autoPipeline === false
      ? sendOne
      : (command) =>
          new Promise((resolve, reject) => {
            const text = serialize(command)
            if (queue.length === 0) queueMicrotask(flush)
            else if (queuedChars + text.length > MAX_BATCH_CHARS) flush()
            queue.push({ command, resolve, reject })
            parts.push(text)
            queuedChars += text.length + 1
            if (queue.length >= MAX_BATCH) flush()
          })

  const streams = new Set<AbortController>()
  const fetchStream = fetchImpl ?? ((input, init) => fetch(input, init))

  /**
   * One server-sent-event stream per subscription. Resolves once the server confirmed the
   * subscription. A stream that ends afterwards (a proxy's idle cut, a server restart) is
   * reopened with backoff until unsubscribed; messages published in the gap are lost, as on
   * any Redis subscriber that reconnects.
   */
  const subscribe = (channel: string, handler: MessageHandler): Promise<Unsubscribe> =>
    new Promise((resolve, reject) => {
      const controller = new AbortController()
      streams.add(controller)
      let confirmed = false
      let delay = 100
      const unsubscribe = async () => {
        streams.delete(controller)
        controller.abort()
      }
      const fail = (error: RedisError) => {
        streams.delete(controller)
        controller.abort()
        reject(error)
      }
      const open = async (): Promise<void> => {
        let response: Response
        try {
          response = await fetchStream(
            `${origin}${base}/subscribe/${encodeURIComponent(channel)}`,
            {
              headers: {
                authorization: headers.authorization as string,
                accept: 'text/event-stream',
              },
              signal: controller.signal,
            },
          )
        } catch (error) {
          if (controller.signal.aborted) return
          throw connectionError(error, 'SUBSCRIBE')
        }
        if (response.status !== 200 || !response.body) {
          const text = await response.text().catch(() => '')
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            body = undefined
          }
          throw statusError(
            { status: response.status, syncToken: undefined, contentType: '', body: text },
            body,
            'SUBSCRIBE',
          )
        }
        const reader = response.body.getReader()
        const text = new TextDecoder('utf-8', { ignoreBOM: true })
        let buffered = ''
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            buffered += text.decode(value, { stream: true })
            let end = buffered.indexOf('\n\n')
            while (end !== -1) {
              const event = buffered.slice(0, end)
              buffered = buffered.slice(end + 2)
              end = buffered.indexOf('\n\n')
              let data = ''
              for (const line of event.split('\n')) {
                if (line.startsWith('data: ')) data += (data ? '\n' : '') + line.slice(6)
                else if (line.startsWith(':')) continue
                // The server writes a message's own newlines raw; keep them as part of it.
                else if (data) data += `\n${line}`
              }
              if (data === '') continue
              if (!confirmed && data.startsWith('subscribe,')) {
                confirmed = true
                delay = 100
                resolve(unsubscribe)
                continue
              }
              const message = messageOf(data, channel)
              if (message !== undefined) handler(message, channel)
            }
          }
        } catch (error) {
          if (controller.signal.aborted) return
          if (!confirmed) throw connectionError(error, 'SUBSCRIBE')
        }
        if (controller.signal.aborted) return
        if (!confirmed) {
          throw new RedisError(
            errors.E_CONNECTION,
            'SUBSCRIBE failed: the event stream ended before the server confirmed the subscription',
            { command: 'SUBSCRIBE' },
          )
        }
      }
      const loop = async () => {
        for (;;) {
          try {
            await open()
          } catch (error) {
            if (!confirmed) {
              fail(error instanceof RedisError ? error : connectionError(error, 'SUBSCRIBE'))
              return
            }
          }
          if (controller.signal.aborted) return
          await new Promise((wake) => setTimeout(wake, delay))
          delay = Math.min(delay * 2, 5000)
          if (controller.signal.aborted) return
        }
      }
      void loop()
    })

  return {
    driver: 'http',
    send,
    pipeline: async (commands) => execPipeline(commands),
    masters: async () => [send],
    subscribe: (channel, handler) => {
      if (closed) return Promise.reject(connectionError(new Error('closed'), 'SUBSCRIBE'))
      return subscribe(channel, handler)
    },
    close: async () => {
      closed = true
      for (const controller of streams) controller.abort()
      streams.clear()
      flush()
      await agent.close()
    },
  }
}
