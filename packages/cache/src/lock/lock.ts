import { type Duration, parseDuration } from '@hotpath/core'
import { type RedisClient, runScript } from '@hotpath/redis'
import { checkFunction, checkKeyText, checkOptions } from '../arguments'
import { CacheError, errors } from '../errors'
import type { InternalKeys } from '../internal-keys'
import { IN_MILLISECONDS } from '../options'
import { acquireScript, extendScript, releaseScript } from '../scripts'
import { randomToken, sleep } from '../util'

export type LockOptions = {
  /**
   * How long the lock holds before Redis frees it on its own (a crashed holder cannot block
   * others forever). At least 1 ms; a number is milliseconds (deprecated: write the unit).
   * @default 10000 (ms)
   */
  ttl?: Duration | number
  /**
   * How long to keep trying while someone else holds the lock. A number is milliseconds
   * (deprecated). `acquireLock` defaults to one attempt; `withLock` waits.
   * @default 0 for acquireLock, 5000 (ms) for withLock
   */
  wait?: Duration | number
}

export type Lock = {
  readonly resource: string
  /**
   * Strictly increasing per resource across every holder. Pass it to the resource you
   * protect and have it refuse writes with a smaller token than it has seen: that is what
   * stops a holder whose lock expired mid-section (GC pause, slow network) from clobbering.
   */
  readonly fencingToken: number
  /** Frees the lock if this holder still owns it; false when it had expired or was taken. */
  release(): Promise<boolean>
  /** Resets the expiry to `ttl` (default: the original ttl) if this holder still owns it. */
  extend(ttl?: Duration | number): Promise<boolean>
  [Symbol.asyncDispose](): Promise<void>
}

export const LOCK_DEFAULTS = { ttl: 10_000, wait: 0, withLockWait: 5_000 } as const

/** The fencing counter outlives any lock on it; it is time-seeded, so expiring it is safe. */
const FENCE_RETENTION_MS = 86_400_000

export async function acquireLock(
  redis: RedisClient | null,
  keys: InternalKeys,
  resource: string,
  options: LockOptions = {},
): Promise<Lock | null> {
  checkKeyText(resource, 'lock resource')
  checkOptions(options, 'lock options')
  const ttlMs = parseDuration(options.ttl === undefined ? LOCK_DEFAULTS.ttl : options.ttl, 'ttl', {
    ...IN_MILLISECONDS,
    min: 1,
  })
  const waitMs = parseDuration(
    options.wait === undefined ? LOCK_DEFAULTS.wait : options.wait,
    'wait',
    IN_MILLISECONDS,
  )
  if (!redis) {
    throw new CacheError(
      errors.E_LOCK_UNAVAILABLE,
      'acquireLock needs Redis: a lock held in one process protects nothing across instances',
      { key: resource },
    )
  }
  const lockKey = keys.cacheLock({ resource }).key
  const fenceKey = keys.cacheFence({ resource }).key
  const token = randomToken()
  const deadline = Date.now() + waitMs
  let delay = 10
  for (;;) {
    let reply: unknown
    try {
      reply = await runScript(
        redis,
        acquireScript,
        [lockKey, fenceKey],
        [token, ttlMs, Math.max(FENCE_RETENTION_MS, ttlMs * 2)],
      )
    } catch (error) {
      // Retried with the same token inside the wait bound: the script is idempotent per token.
      if (Date.now() >= deadline) {
        throw new CacheError(
          errors.E_LOCK_UNAVAILABLE,
          `could not reach Redis to lock '${resource}'`,
          { cause: error, key: resource },
        )
      }
      reply = null
    }
    if (reply !== null && reply !== false && reply !== undefined) {
      return createLock(redis, resource, lockKey, token, Number(reply), ttlMs)
    }
    const left = deadline - Date.now()
    if (left <= 0) return null
    await sleep(Math.min(left, delay + Math.random() * delay))
    delay = Math.min(delay * 2, 100)
  }
}

function createLock(
  redis: RedisClient,
  resource: string,
  lockKey: string,
  token: string,
  fencingToken: number,
  ttlMs: number,
): Lock {
  const release = async () => (await runScript(redis, releaseScript, [lockKey], [token])) === 1
  return {
    resource,
    fencingToken,
    release,
    async extend(ttl) {
      const ms =
        ttl === undefined ? ttlMs : parseDuration(ttl, 'ttl', { ...IN_MILLISECONDS, min: 1 })
      return (await runScript(redis, extendScript, [lockKey], [token, ms])) === 1
    },
    async [Symbol.asyncDispose]() {
      await release().catch(() => false)
    },
  }
}

export async function withLock<T>(
  redis: RedisClient | null,
  keys: InternalKeys,
  resource: string,
  fn: (lock: Lock) => T | Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  checkKeyText(resource, 'lock resource')
  checkFunction(fn, 'withLock() fn')
  checkOptions(options, 'lock options')
  const lock = await acquireLock(redis, keys, resource, {
    ...options,
    wait: options.wait === undefined ? LOCK_DEFAULTS.withLockWait : options.wait,
  })
  if (!lock) {
    throw new CacheError(errors.E_LOCK_TIMEOUT, `lock '${resource}' is held elsewhere`, {
      key: resource,
    })
  }
  try {
    return await fn(lock)
  } finally {
    await lock.release().catch(() => false)
  }
}
