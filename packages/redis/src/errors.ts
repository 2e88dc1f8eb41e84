import { HotpathError } from '@hotpath/core'

/**
 * Stable error codes. Callers branch on `code`, never on messages; messages say what to fix.
 */
export const errors = {
  /** An environment variable or option is present but malformed. */
  E_OPTION_INVALID: 'E_OPTION_INVALID',
  /** An argument is out of its documented range (e.g. a ttl that is not a positive integer). */
  E_INVALID_ARGUMENT: 'E_INVALID_ARGUMENT',
  /** The command did not answer within `timeoutMs`. */
  E_TIMEOUT: 'E_TIMEOUT',
  /** The circuit breaker is open: Redis failed repeatedly and is not being called. */
  E_CIRCUIT_OPEN: 'E_CIRCUIT_OPEN',
  /** The connection failed (refused, reset, DNS, TLS). `cause` holds the driver's error. */
  E_CONNECTION: 'E_CONNECTION',
  /** Redis answered with an error (WRONGTYPE, NOSCRIPT, ERR …); the message is the server's. */
  E_COMMAND: 'E_COMMAND',
  /** A pipeline command failed; `index` names the first failed command. */
  E_PIPELINE: 'E_PIPELINE',
  /** The client was closed. */
  E_CLOSED: 'E_CLOSED',
  /**
   * The server refused the credentials (HTTP 401 from a REST server): a configuration error,
   * never retried and not counted by the circuit breaker.
   */
  E_UNAUTHORIZED: 'E_UNAUTHORIZED',
  /** The driver cannot run this command (e.g. SUBSCRIBE without a streaming endpoint). */
  E_UNSUPPORTED: 'E_UNSUPPORTED',
} as const

export type RedisErrorCode = (typeof errors)[keyof typeof errors]

export class RedisError extends HotpathError<RedisErrorCode> {
  override name = 'RedisError'
  /** Name of the command that failed, upper case, when there is one. */
  readonly command: string | undefined
  /** For `E_PIPELINE`: index of the first failed command. */
  readonly index: number | undefined

  constructor(
    code: RedisErrorCode,
    message: string,
    options: { cause?: unknown; command?: string; index?: number } = {},
  ) {
    super(code, message, options)
    this.command = options.command
    this.index = options.index
  }
}

/** True for failures of the path to Redis, as opposed to an answer from Redis. */
export function isTransportError(error: unknown): boolean {
  return (
    error instanceof RedisError &&
    (error.code === errors.E_CONNECTION || error.code === errors.E_TIMEOUT)
  )
}

/**
 * A failure on the path to the server (socket, DNS, HTTP), as opposed to a reply Redis sent.
 * Transports map anything they do not recognise as a server reply to this.
 */
export function connectionError(error: unknown, command: string): RedisError {
  if (error instanceof RedisError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new RedisError(errors.E_CONNECTION, `${command} failed: ${message}`, {
    cause: error,
    command,
  })
}
