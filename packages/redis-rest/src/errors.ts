import { HotpathError } from '@hotpath/core'

/** Stable codes of the errors `@hotpath/redis-rest` throws or answers with. */
export const errors = {
  /** Options or CLI flags are missing or invalid (no token, bad Redis URL, bad limit). */
  E_OPTION_INVALID: 'E_OPTION_INVALID',
  /** Redis could not be reached or the connection failed mid-request (HTTP 503). */
  E_BACKEND_UNAVAILABLE: 'E_BACKEND_UNAVAILABLE',
  /** Redis did not answer within `requestTimeoutMs` (HTTP 504). */
  E_TIMEOUT: 'E_TIMEOUT',
  /**
   * `acl: 'require'` and Redis would not create the ACL users (Redis < 6, or the server's
   * Redis user may not run ACL SETUSER): `startRestServer` rejects, requests get 503.
   */
  E_ACL_UNAVAILABLE: 'E_ACL_UNAVAILABLE',
  /** The server is shutting down and refuses new requests (HTTP 503). */
  E_CLOSED: 'E_CLOSED',
  /**
   * A request passed a bound: more arguments than `maxArgs`, JSON nested deeper than
   * `maxDepth` (HTTP 400), or a body slower than `bodyTimeoutMs` (HTTP 408). The reply body
   * carries it as `code`.
   */
  E_LIMIT_EXCEEDED: 'E_LIMIT_EXCEEDED',
} as const

export type RestErrorCode = (typeof errors)[keyof typeof errors]

export class RestServerError extends HotpathError<RestErrorCode> {
  override name = 'RestServerError'
}

/**
 * A reply error from Redis (`ERR …`, `WRONGTYPE …`, `NOSCRIPT …`). Internal: it becomes an
 * `{ "error": … }` body, never an exception a library user sees.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError'
}
