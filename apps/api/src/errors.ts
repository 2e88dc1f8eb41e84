import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * Stable codes of every error body this API sends: `{ error: { code, message, details? } }`.
 * Clients branch on `code`; `message` is for people.
 */
export const errors = {
  /** The request failed validation; `details` lists each issue with its path. */
  E_VALIDATION: 'E_VALIDATION',
  /** No credentials, or credentials that do not name a live session. */
  E_UNAUTHORIZED: 'E_UNAUTHORIZED',
  /** An `x-api-key` that no user owns. */
  E_API_KEY_INVALID: 'E_API_KEY_INVALID',
  E_NOT_FOUND: 'E_NOT_FOUND',
  /** A resource with this id exists already. */
  E_CONFLICT: 'E_CONFLICT',
  /** The caller's rate limit is used up; see `Retry-After`. */
  E_RATE_LIMITED: 'E_RATE_LIMITED',
  /** The feature needs Redis (queue, pub/sub, leaderboard) and Redis is not reachable. */
  E_REDIS_UNAVAILABLE: 'E_REDIS_UNAVAILABLE',
  E_INTERNAL: 'E_INTERNAL',
} as const

export type ApiErrorCode = (typeof errors)[keyof typeof errors]

export type ErrorBody = {
  error: { code: ApiErrorCode; message: string; details?: unknown }
}

/** Thrown inside handlers; `app.onError` turns it into an error body. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly status: ContentfulStatusCode
  readonly details: unknown

  constructor(
    status: ContentfulStatusCode,
    code: ApiErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = options.details
  }
}

export function errorBody(code: ApiErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

export function sendError(c: Context, error: ApiError): Response {
  return c.json(errorBody(error.code, error.message, error.details), error.status)
}
