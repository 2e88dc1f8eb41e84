import type { AclEnforcement } from './acl'
import type { Role } from './auth'
import type { Arg } from './commands'

/** One command as the backend receives it: the upper-cased name and its arguments. */
export type ParsedCommand = { name: string; args: Arg[] }

/** The outcome of one command inside a pipeline or a transaction. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: string }

export type MessageListener = (channel: string, message: string, pattern?: string) => void

/** The connection the pub/sub hub subscribes on; ioredis and ioredis-mock both fit. */
export interface SubscriberConnection {
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  psubscribe(pattern: string): Promise<unknown>
  punsubscribe(pattern: string): Promise<unknown>
  onMessage(listener: MessageListener): void
  close(): Promise<void>
}

/**
 * What the HTTP layer needs from Redis. Replies stay raw (Buffers from Redis, so binary
 * values survive base64 encoding byte for byte); reply errors reject with `CommandError`,
 * connection failures with `RestServerError` `E_BACKEND_UNAVAILABLE`.
 */
export interface Backend {
  readonly kind: 'redis' | 'cluster' | 'memory'
  /** For which tokens Redis (or the memory host) limits what scripts call. */
  acl(): Promise<AclEnforcement>
  /** Resolves once connections are set up (ACL users included); rejects if they cannot be. */
  ready(): Promise<void>
  /** Runs as the role's user, so Redis refuses what that token may not run, in scripts too. */
  command(command: ParsedCommand, role: Role): Promise<unknown>
  /** In order, not atomic; one outcome per command. */
  pipeline(commands: readonly ParsedCommand[], role: Role): Promise<Outcome[]>
  /** MULTI/EXEC; rejects with `CommandError` (EXECABORT) when Redis discards it. */
  transaction(commands: readonly ParsedCommand[], role: Role): Promise<Outcome[]>
  createSubscriber(): Promise<SubscriberConnection>
  close(): Promise<void>
}
