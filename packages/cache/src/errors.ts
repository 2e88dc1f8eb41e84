/**
 * Stable error codes. Callers branch on `code`, never on messages.
 * Only programming mistakes and the outcomes a caller explicitly bounded (a hard timeout,
 * a lock that could not be taken inside `withLock`) throw; Redis trouble does not.
 */
export const errors = {
  /** An option or argument is malformed (a duration that does not parse, a negative ttl…). */
  E_INVALID_OPTION: 'E_INVALID_OPTION',
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

const BRAND = Symbol.for('hotpath.CacheError')

export class CacheError extends Error {
  readonly code: CacheErrorCode
  /** The cache key or lock resource the error is about, when there is one. */
  readonly key: string | undefined
  readonly [BRAND] = true

  constructor(
    code: CacheErrorCode,
    message: string,
    options: { cause?: unknown; key?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CacheError'
    this.code = code
    this.key = options.key
  }

  // The ESM and CJS builds each carry a copy of this class; instanceof must hold across both.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BRAND in value
  }
}
