import type { RedisClient } from '@hotpath/redis'
import { checkOptions } from '../arguments'
import { defineInternalKeys, type InternalKeys } from '../internal-keys'
import { BoundedMap } from '../util'
import { acquireLock as acquireAt, type Lock, type LockOptions, withLock as withAt } from './lock'

export type { Lock, LockOptions } from './lock'

/** Where lock keys live: the prefix of the cache's own keys (as `createCache({ prefix })`). */
export type LockPrefix = {
  /**
   * Prefix for the lock and fencing keys. A lock taken here and one taken through a cache
   * created with the same prefix are the same lock.
   * @default the key registry's default (`HOTPATH_KEY_PREFIX`)
   */
  prefix?: string
}

// A registry per call would cost more than the lock's round trip; prefixes are few.
const keysByPrefix = new BoundedMap<string | undefined, InternalKeys>(100)

function keysFor(options: LockPrefix): InternalKeys {
  let keys = keysByPrefix.get(options.prefix)
  if (!keys) {
    keys = defineInternalKeys(options.prefix).keys
    keysByPrefix.set(options.prefix, keys)
  }
  return keys
}

/**
 * Takes a distributed lock on `resource`, or returns null when someone else holds it past
 * `wait`. The same lock as `cache.acquireLock`, without a cache.
 */
export async function acquireLock(
  redis: RedisClient | null,
  resource: string,
  options: LockOptions & LockPrefix = {},
): Promise<Lock | null> {
  checkOptions(options, 'lock options')
  const { prefix, ...lock } = options
  return acquireAt(redis, keysFor({ prefix }), resource, lock)
}

/** Runs `fn` under the lock and releases it; throws `E_LOCK_TIMEOUT` if it cannot be taken. */
export async function withLock<T>(
  redis: RedisClient | null,
  resource: string,
  fn: (lock: Lock) => T | Promise<T>,
  options: LockOptions & LockPrefix = {},
): Promise<T> {
  checkOptions(options, 'lock options')
  const { prefix, ...lock } = options
  return withAt(redis, keysFor({ prefix }), resource, fn, lock)
}
