import { HotpathError } from '@hotpath/core'

/**
 * Stable error codes. Callers branch on `code`, never on messages.
 * Only programming mistakes and the outcomes a caller explicitly bounded (a hard timeout,
 * a lock that could not be taken inside `withLock`) throw; Redis trouble does not.
 */
export const errors = {
  /** An option is malformed (a duration that does not parse, a negative ttl, tags that are not strings…). */
  E_OPTION_INVALID: 'E_OPTION_INVALID',
  /**
   * An argument has the wrong type or cannot be stored: a key that is not a non-empty string
   * or KeyRef, a lone UTF-16 surrogate in a key, tag or resource, a loader that is not a function.
   */
  E_INVALID_ARGUMENT: 'E_INVALID_ARGUMENT',
  /** The loader did not settle within `hardTimeout` and no stale value could be served. */
  E_HARD_TIMEOUT: 'E_HARD_TIMEOUT',
  /** `withLock` could not take the lock within its `wait` bound. */
  E_LOCK_TIMEOUT: 'E_LOCK_TIMEOUT',
  /** A leaderboard or flag write was called on a cache created with `redis: null`. */
  E_NO_REDIS: 'E_NO_REDIS',
  /** A lock was requested but there is no Redis, or Redis failed while taking it. */
  E_LOCK_UNAVAILABLE: 'E_LOCK_UNAVAILABLE',
} as const

export type CacheErrorCode = (typeof errors)[keyof typeof errors]

export class CacheError extends HotpathError {
  declare readonly code: CacheErrorCode
  /** The cache key or lock resource the error is about, when there is one. */
  readonly key: string | undefined

  constructor(
    code: CacheErrorCode,
    message: string,
    options: { cause?: unknown; key?: string } = {},
  ) {
    super(code, message, options)
    this.name = 'CacheError'
    this.key = options.key
  }
}
