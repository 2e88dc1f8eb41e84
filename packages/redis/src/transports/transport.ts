import type { RedisError } from '../errors'
import type { Command, DriverName, MessageHandler, TrackingListener, Unsubscribe } from '../types'

export type Settled = { ok: true; value: unknown } | { ok: false; error: RedisError }

export type Sender = (command: Command) => Promise<unknown>

/**
 * A command on its way that the client can fail itself: `promise` settles with the reply, and
 * `reject` (callable on its own, unbound) fails it, e.g. when its deadline passes. An ioredis
 * `Command` is one.
 */
export type Started = {
  readonly promise: Promise<unknown>
  readonly reject: (error: Error) => void
}

/**
 * What a driver must provide; `createClient` builds the whole `RedisClient` on top, so reply
 * shapes, validation and resilience are written once. Replies are RESP2 as Redis sends them
 * (bulk strings as strings, integers as numbers, nil as null, HGETALL as a flat array).
 * Failures reject with a `RedisError`: `E_COMMAND` carrying the server's message, or
 * `E_CONNECTION` for the path to the server. A transport with `toError` may let `send`
 * reject with the library's own error instead, which saves a promise per call.
 */
export interface Transport {
  readonly driver: DriverName
  /** Where commands go, for telemetry (`server.address`, `server.port`). Optional. */
  readonly server?: { address: string; port?: number }
  send: Sender
  /**
   * Sends like `send`, but returns the command itself so the client fails it at its deadline
   * instead of wrapping every call in a promise of its own. `undefined` when this command
   * must go through `send` after all. Optional.
   */
  start?(command: Command): Started | undefined
  /** Maps an error `send` rejected with to a `RedisError`. */
  toError?(error: unknown, command: string): RedisError
  /** One round trip (per node on a cluster). Rejects only when the transport fails. */
  pipeline(commands: readonly Command[]): Promise<Settled[]>
  /** One sender per master, for commands that must visit every node (SCAN). */
  masters(): Promise<Sender[]>
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>
  /**
   * Calls `listener` each time a lost connection is ready again, so an open breaker can probe
   * at once instead of waiting out `breakerResetMs`. Optional: transports without a
   * connection of their own (HTTP) leave it to the breaker's timer.
   */
  onReconnect?(listener: () => void): void
  /** Server-assisted invalidation, see `RedisClient.track`. Optional: absent is unsupported. */
  track?(prefixes: readonly string[], listener: TrackingListener): Promise<Unsubscribe>
  close(): Promise<void>
}
