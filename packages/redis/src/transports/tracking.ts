import type { Redis } from 'ioredis'
import { errors, RedisError } from '../errors'
import type { TrackingListener, Unsubscribe } from '../types'

const CHANNEL = '__redis__:invalidate'

/** How long the first `CLIENT TRACKING` may take before `track()` gives up. */
const FIRST_READY_MS = 5000

/**
 * Server-assisted invalidation on one node: a dedicated connection asks for
 * `CLIENT TRACKING on BCAST PREFIX … REDIRECT <its own id>` and subscribes to
 * `__redis__:invalidate`, so Redis reports every write to a key under the prefixes, whoever
 * made it (another instance, another app, `redis-cli`, a script).
 *
 * BCAST, not the default mode: default mode tracks the keys a connection *read*, so every
 * cached read would have to go through the tracked connection and Redis keeps a table entry per
 * key and reader; BCAST needs neither and costs one message per write under the prefixes,
 * which for a cache namespace is the traffic that matters anyway.
 *
 * The connection does not resubscribe by itself after a reconnect (`autoResubscribe: false`):
 * tracking is per connection and must be switched on again before subscribing, and writes
 * made while it was down were never reported. So a lost connection is `down` (drop and bypass
 * what you cached), and `up` follows once tracking is back.
 */
export function trackNode(
  open: () => Redis,
  prefixes: readonly string[],
  listener: TrackingListener,
): Promise<Unsubscribe> {
  const connection = open()
  // A cluster's node connections are lazy (they connect on first command); this one must
  // connect now to switch tracking on.
  if (connection.status === 'wait') connection.connect().catch(() => {})
  let active = false
  let stopped = false
  // ioredis prefixes key arguments, not CLIENT TRACKING's: add a borrowed connection's
  // `keyPrefix` here and take it off the keys Redis reports.
  const keyPrefix = connection.options.keyPrefix ?? ''
  const tracked = prefixes.length === 0 ? (keyPrefix ? [keyPrefix] : []) : prefixes
  const args = [
    'TRACKING',
    'on',
    'BCAST',
    ...tracked.flatMap((p) => ['PREFIX', prefixes.length === 0 ? p : keyPrefix + p]),
  ]
  const unprefixed = (key: string) =>
    key.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : key

  connection.on('error', () => {})
  connection.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
    if (String(channel) !== CHANNEL) return
    // A null payload is FLUSHALL / FLUSHDB (or tracking reset by the server): everything went.
    if (message === null || !Array.isArray(message)) listener({ type: 'flush' })
    else listener({ type: 'invalidate', keys: message.map((key) => unprefixed(String(key))) })
  })
  connection.on('close', () => {
    if (!active) return
    active = false
    if (!stopped) listener({ type: 'down' })
  })

  const enable = async () => {
    const id = await connection.call('CLIENT', 'ID')
    await connection.call('CLIENT', ...args, 'REDIRECT', String(id))
    await connection.subscribe(CHANNEL)
  }

  const stop: Unsubscribe = async () => {
    if (stopped) return
    stopped = true
    await connection.quit().catch(() => connection.disconnect())
  }

  return new Promise<Unsubscribe>((resolve, reject) => {
    let first = true
    const timer = setTimeout(() => {
      if (!first) return
      first = false
      void stop()
      reject(
        new RedisError(
          errors.E_CONNECTION,
          `CLIENT TRACKING was not ready within ${FIRST_READY_MS} ms`,
          { command: 'CLIENT' },
        ),
      )
    }, FIRST_READY_MS)
    connection.on('ready', () => {
      enable().then(
        () => {
          active = true
          if (first) {
            first = false
            clearTimeout(timer)
            resolve(stop)
          } else if (!stopped) listener({ type: 'up' })
        },
        (error: unknown) => {
          if (!first) {
            // Tracking worked before and fails now: stay down, drop the connection so the
            // next reconnect tries again.
            connection.disconnect(true)
            return
          }
          first = false
          clearTimeout(timer)
          void stop()
          const message = error instanceof Error ? error.message : String(error)
          reject(
            new RedisError(
              errors.E_UNSUPPORTED,
              `This server refused CLIENT TRACKING (Redis ≥ 6 and Valkey support it): ${message}`,
              { command: 'CLIENT', cause: error },
            ),
          )
        },
      )
    })
  })
}

/**
 * Several nodes as one channel (a cluster: one tracking connection per master). The channel is
 * down while any node's is, and up again once all are.
 */
export async function trackNodes(
  opens: readonly (() => Redis)[],
  prefixes: readonly string[],
  listener: TrackingListener,
): Promise<Unsubscribe> {
  const down = new Set<number>()
  const stops = await Promise.allSettled(
    opens.map((open, index) =>
      trackNode(open, prefixes, (event) => {
        if (event.type === 'down') {
          if (down.size === 0) listener(event)
          down.add(index)
        } else if (event.type === 'up') {
          down.delete(index)
          if (down.size === 0) listener(event)
        } else listener(event)
      }),
    ),
  )
  const started = stops.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = stops.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  const stopAll: Unsubscribe = async () => {
    await Promise.all(started.map((stop) => stop()))
  }
  if (failed) {
    await stopAll()
    throw failed.reason
  }
  return stopAll
}
