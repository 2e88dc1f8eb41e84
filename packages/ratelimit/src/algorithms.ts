import { type Duration, parseDuration } from '@hotpath/core'
import type { Script } from '@hotpath/redis'
import { errors, RatelimitError } from './errors'
import type { RatelimitKeys } from './keys'
import {
  fixedWindowScript,
  slidingLogScript,
  slidingWindowScript,
  tokenBucketScript,
} from './scripts'

export type AlgorithmName =
  | 'fixedWindow'
  | 'cachedFixedWindow'
  | 'slidingWindow'
  | 'tokenBucket'
  | 'slidingLogs'

/**
 * What `Ratelimit.fixedWindow(…)` and friends return: a plain description of the policy.
 * The Ratelimit instance runs it; the same limiter may be shared by several instances.
 */
export type Limiter = {
  readonly algorithm: AlgorithmName
  /** Requests per window; for the token bucket, the bucket size (max tokens). */
  readonly tokens: number
  /** Window, or the token bucket's refill interval, in ms. */
  readonly windowMs: number
  /** Token bucket only: tokens added per interval. */
  readonly refillRate: number
}

/** One limit() call as the script sees it. */
export type Plan = {
  script: Script
  keys: string[]
  extra: string | number
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RatelimitError(
      errors.E_LIMIT_INVALID,
      `${what} must be a positive integer, got ${value}`,
    )
  }
  return value
}

/**
 * How a window, interval or retention is read. A bare number is milliseconds, as it was
 * (deprecated: `@upstash/ratelimit` takes only strings here, so write the unit).
 */
export const WINDOW = { number: 'ms', min: 1, error: RatelimitError } as const

/**
 * Milliseconds of a window.
 * @deprecated use `parseDuration` from `@hotpath/core`, which every package reads durations with.
 */
export function toMs(duration: Duration | number): number {
  return parseDuration(duration, 'duration', WINDOW)
}

export function fixedWindow(tokens: number, window: Duration | number): Limiter {
  return {
    algorithm: 'fixedWindow',
    tokens: positiveInteger(tokens, 'tokens'),
    windowMs: parseDuration(window, 'window', WINDOW),
    refillRate: 0,
  }
}

/**
 * A fixed window whose count is also kept in the process (as `@upstash/ratelimit`'s
 * experimental `cachedFixedWindow`): once an identifier's window has been read from Redis,
 * later calls decide locally and update Redis in the background (`pending`). Several
 * processes each admit up to the limit between their reads. Needs the ephemeral cache.
 */
export function cachedFixedWindow(tokens: number, window: Duration | number): Limiter {
  return { ...fixedWindow(tokens, window), algorithm: 'cachedFixedWindow' }
}

export function slidingWindow(tokens: number, window: Duration | number): Limiter {
  return {
    algorithm: 'slidingWindow',
    tokens: positiveInteger(tokens, 'tokens'),
    windowMs: parseDuration(window, 'window', WINDOW),
    refillRate: 0,
  }
}

export function tokenBucket(
  refillRate: number,
  interval: Duration | number,
  maxTokens: number,
): Limiter {
  return {
    algorithm: 'tokenBucket',
    tokens: positiveInteger(maxTokens, 'maxTokens'),
    windowMs: parseDuration(interval, 'interval', WINDOW),
    refillRate: positiveInteger(refillRate, 'refillRate'),
  }
}

export function slidingLogs(tokens: number, window: Duration | number): Limiter {
  return {
    algorithm: 'slidingLogs',
    tokens: positiveInteger(tokens, 'tokens'),
    windowMs: parseDuration(window, 'window', WINDOW),
    refillRate: 0,
  }
}

/** The script and keys of one call; `requestId` names sliding-log entries. */
export function plan(
  limiter: Limiter,
  keys: RatelimitKeys['keys'],
  identifier: string,
  now: number,
  requestId: string,
): Plan {
  switch (limiter.algorithm) {
    case 'fixedWindow':
    case 'cachedFixedWindow': {
      const window = String(Math.floor(now / limiter.windowMs))
      return {
        script: fixedWindowScript,
        keys: [keys.fixedWindow({ identifier, window }).key],
        extra: 0,
      }
    }
    case 'slidingWindow': {
      const current = Math.floor(now / limiter.windowMs)
      return {
        script: slidingWindowScript,
        keys: [
          keys.slidingWindow({ identifier, window: String(current) }).key,
          keys.slidingWindow({ identifier, window: String(current - 1) }).key,
        ],
        extra: 0,
      }
    }
    case 'tokenBucket':
      return {
        script: tokenBucketScript,
        keys: [keys.tokenBucket({ identifier }).key],
        extra: limiter.refillRate,
      }
    case 'slidingLogs':
      return {
        script: slidingLogScript,
        keys: [keys.slidingLog({ identifier }).key],
        extra: requestId,
      }
  }
}

/** Every key that holds usage of this identifier now, for resetUsedTokens(). */
export function usageKeys(
  limiter: Limiter,
  keys: RatelimitKeys['keys'],
  identifier: string,
  now: number,
): string[] {
  return plan(limiter, keys, identifier, now, '').keys
}
