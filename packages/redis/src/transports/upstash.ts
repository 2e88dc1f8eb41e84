import { Redis } from '@upstash/redis'
import { connectionError, errors, RedisError } from '../errors'
import type { Command, MessageHandler, Unsubscribe } from '../types'
import type { Sender, Settled, Transport } from './transport'

export type UpstashConnectionOptions = {
  /** REST URL, e.g. `https://eu1-example.upstash.io`. */
  url: string
  /** REST token (read-write, or read-only for read paths). */
  token: string
  /**
   * Later commands of this client observe its earlier writes across Upstash replicas.
   * @default true
   */
  readYourWrites?: boolean
  /**
   * Commands issued in the same tick travel in one HTTP request (`/pipeline`), as the SDK's
   * own auto-pipelining does for its typed methods. Each command still settles on its own.
   * @default true
   */
  autoPipeline?: boolean
}

/** The SDK's limit for one pipeline request. */
const MAX_BATCH = 1000

// The SDK wraps server errors as `<server message>, command was: [...]` on HTTP errors.
function serverMessage(message: string): string {
  const cut = message.indexOf(', command was: ')
  return cut === -1 ? message : message.slice(0, cut)
}

/**
 * Replies that say the server cannot reach Redis, not that Redis refused the command: the
 * REST server's 503s (`hotpath-redis-rest` answers these while Redis is down or while it shuts
 * down). The SDK throws every non-2xx reply as an `UpstashError` with the server's message and
 * drops the HTTP status, so the message is all that tells a 503 from a WRONGTYPE. Mapped to
 * `E_CONNECTION`, they count toward the circuit breaker like a refused socket. A 5xx with a
 * body that is not JSON (a proxy's error page) already arrives as an `UpstashJSONParseError`,
 * which is mapped the same way.
 */
const UNAVAILABLE = /^ERR (redis is unavailable|the server is shutting down)\b/

function toRedisError(error: unknown, name: string): RedisError {
  if (error instanceof RedisError) return error
  if (error instanceof Error && error.name === 'UpstashError') {
    const message = serverMessage(error.message)
    const code = UNAVAILABLE.test(message) ? errors.E_CONNECTION : errors.E_COMMAND
    return new RedisError(code, message, { cause: error, command: name })
  }
  return connectionError(error, name)
}

/** A pipeline entry's error: the same mapping as a whole request's. */
function replyError(message: string, name: string): RedisError {
  const code = UNAVAILABLE.test(message) ? errors.E_CONNECTION : errors.E_COMMAND
  return new RedisError(code, message, { command: name })
}

type RawCommand = { command: string[]; deserialize: (raw: unknown) => unknown }
type Chain = (this: unknown, command: RawCommand) => unknown

export function createUpstashTransport(options: UpstashConnectionOptions): Transport {
  const sdk = new Redis({
    url: options.url,
    token: options.token,
    // hotpath serializes values itself; the SDK must hand back the stored strings untouched.
    automaticDeserialization: false,
    // Retries belong to the client's resilience layer, which knows which commands are idempotent.
    retry: false,
    enableTelemetry: false,
    readYourWrites: options.readYourWrites ?? true,
    // Replies as plain JSON strings. With the default base64 encoding the SDK decodes each
    // value with a `TextDecoder` that strips a leading U+FEFF, so `"\ufeffabc"` came back as
    // `"abc"` (the tcp driver keeps it). hotpath writes only UTF-8 text, which JSON carries
    // exactly; base64 exists for binary values, which hotpath never stores.
    responseEncoding: false,
  })

  const execPipeline = async (commands: readonly Command[]) => {
    const pipeline = sdk.pipeline()
    // The SDK pipeline has no public way to add an arbitrary command; `chain` is what its
    // own command methods call, so one HTTP request still carries every command.
    const chain = Reflect.get(pipeline, 'chain') as Chain
    for (const [name, ...args] of commands) {
      chain.call(pipeline, {
        command: [name.toUpperCase(), ...args.map(String)],
        deserialize: (raw) => raw,
      })
    }
    return (await pipeline.exec({ keepErrors: true })) as { error?: string; result?: unknown }[]
  }

  // Rejections carry SDK errors; the client maps them with `toError`.
  const sendOne: Sender = (command: Command) => sdk.exec([...command])

  // Without batching, every command of a page costs its own HTTPS request; `sdk.exec` is
  // excluded from the SDK's auto-pipelining, so hotpath batches per tick itself.
  type Queued = { command: Command; resolve(value: unknown): void; reject(error: unknown): void }
  let queue: Queued[] = []
  const flush = () => {
    const batch = queue
    queue = []
    if (batch.length === 0) return
    if (batch.length === 1) {
      const [only] = batch as [Queued]
      sendOne(only.command).then(only.resolve, only.reject)
      return
    }
    execPipeline(batch.map((q) => q.command)).then(
      (results) => {
        batch.forEach((queued, index) => {
          const reply = results[index]
          if (reply?.error !== undefined && reply.error !== null) {
            queued.reject(replyError(reply.error, queued.command[0]))
          } else queued.resolve(reply?.result ?? null)
        })
      },
      (error: unknown) => {
        for (const queued of batch) queued.reject(error)
      },
    )
  }
  const send: Sender =
    options.autoPipeline === false
      ? sendOne
      : (command: Command) =>
          new Promise((resolve, reject) => {
            if (queue.length === 0) queueMicrotask(flush)
            queue.push({ command, resolve, reject })
            if (queue.length >= MAX_BATCH) flush()
          })

  const subscribers = new Set<{ unsubscribe(): Promise<void> }>()

  const url = new URL(options.url)
  return {
    driver: 'upstash',
    server: {
      address: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    },
    send,
    toError: toRedisError,
    pipeline: async (commands) => {
      let results: { error?: string; result?: unknown }[]
      try {
        results = await execPipeline(commands)
      } catch (error) {
        throw toRedisError(error, 'PIPELINE')
      }
      return results.map(({ error, result }, index): Settled => {
        if (error === undefined || error === null) return { ok: true, value: result ?? null }
        const name = commands[index]?.[0] ?? 'PIPELINE'
        return { ok: false, error: replyError(error, name) }
      })
    },
    masters: async () => [send],
    subscribe: (channel: string, handler: MessageHandler): Promise<Unsubscribe> =>
      new Promise((resolve, reject) => {
        // Upstash streams messages as server-sent events, one HTTP stream per subscription.
        const subscriber = sdk.subscribe<string>(channel)
        let settled = false
        const unsubscribe = async () => {
          subscribers.delete(subscriber)
          await subscriber.unsubscribe()
        }
        subscriber.on('subscribe', () => {
          if (settled) return
          settled = true
          subscribers.add(subscriber)
          resolve(unsubscribe)
        })
        subscriber.on('message', ({ channel: from, message }) => handler(String(message), from))
        subscriber.on('error', (error) => {
          if (settled) return
          settled = true
          void subscriber.unsubscribe()
          reject(toRedisError(error, 'SUBSCRIBE'))
        })
      }),
    close: async () => {
      await Promise.all([...subscribers].map((s) => s.unsubscribe()))
      subscribers.clear()
    },
  }
}
