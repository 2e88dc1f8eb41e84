import { type Duration, parseDuration } from '@hotpath/core'
import type { RedisClient } from '@hotpath/redis'
import { CacheError, errors } from './errors'
import type { L1Options } from './l1'

/**
 * How the cache reads a duration option (core's `parseDuration`). Bare numbers keep the unit
 * they had before the shared `Duration` (deprecated: write the unit): seconds for ttl-like
 * options, as the key registry and Redis `EX`; milliseconds for timeouts and locks, as
 * `setTimeout`.
 */
export const IN_SECONDS = { number: 's', error: CacheError } as const
export const IN_MILLISECONDS = { number: 'ms', error: CacheError } as const

/** What the cache needs of a `@hotpath/keys` registry: naming a key for stats. */
export type RegistryLike = {
  parse(
    key: string,
  ): { readonly name: string; readonly definition?: { readonly l1?: boolean | undefined } } | null
}

/**
 * Per-call and default policy of `getOrSet`. Every duration takes the shared forms (`'250ms'`,
 * `'10s'`, `'10 s'`, `'5m'`, `'1h'`, `'7d'`); a bare number (deprecated) is seconds for ttl-like
 * options and milliseconds for timeouts and locks.
 */
export type CachePolicy = {
  /**
   * How long a value is fresh, more than 0 (`'30s'`, `'5m'`; a number is seconds). A KeyRef's
   * ttl wins over this default; a per-call ttl wins over both.
   * @default 60 (seconds)
   */
  ttl?: Duration | number
  /**
   * How long past its ttl a value may still be served while it is refreshed in the
   * background (stale-while-revalidate), and served instead of a loader error (stale-if-error).
   * A number is seconds. 0 turns both off.
   * @default 0
   */
  grace?: Duration | number
  /**
   * With a stale value at hand, how long to wait for the refresh before answering with the
   * stale value; the refresh continues in the background. A number is milliseconds.
   * 0 answers with the stale value at once.
   * @default 0
   */
  softTimeout?: Duration | number
  /**
   * How long a caller waits for a loader at most when there is no stale value; past it,
   * `getOrSet` throws `E_HARD_TIMEOUT` (the loader keeps running and still fills the cache).
   * A number is milliseconds. `undefined` waits as long as the loader takes.
   * @default undefined
   */
  hardTimeout?: Duration | number
  /**
   * Cache a `null`/`undefined` loader result for this long (a number is seconds). Unset, such
   * results are returned but never cached, so a missing row does not stick.
   * @default undefined
   */
  negativeTtl?: Duration | number
  /**
   * Share of the ttl added or taken off at random per write (0.1 = ±10%), so keys written
   * together do not expire together; the same rule as `ttlWithJitter` in @hotpath/keys.
   * A KeyRef's definition jitter wins over the default.
   * @default 0
   */
  jitter?: number
  /**
   * How long the stampede lock is held at most (a crashed loader frees it after this).
   * At least 1 ms; a number is milliseconds.
   * @default 10000 (ms)
   */
  lockTtl?: Duration | number
  /**
   * How long callers in other instances wait (polling with backoff) for the instance that
   * holds the stampede lock, before running the loader themselves. A number is milliseconds.
   * @default 5000 (ms)
   */
  lockWait?: Duration | number
  /**
   * After a failed background refresh, how long before any instance retries it; the stale
   * value keeps being served meanwhile. A number is milliseconds.
   * @default 5000 (ms)
   */
  graceBackoff?: Duration | number
}

export type CacheOptions = {
  /** Any hotpath driver. `null` turns the cache into a pass-through to the loaders. */
  redis: RedisClient | null
  /**
   * The app's key registry: names string keys for stats (`registry.parse`) and holds the
   * definitions `invalidateNamespace` scans.
   * @default undefined
   */
  registry?: RegistryLike
  /** Defaults for every `getOrSet`, merged once at creation. */
  defaults?: CachePolicy
  /**
   * Compress entries whose body is at least `threshold` characters (deflate-raw, node:zlib).
   * Entries say whether they are compressed, so turning this on or off needs no migration.
   * @default false
   */
  compression?: boolean | { threshold?: number }
  /**
   * Keep the last decoded value per key, up to `maxChars` characters of stored payload in all,
   * so a hit whose payload did not change copies that value instead of parsing it again (a
   * copy of plain JSON costs about a fifth of `JSON.parse`). Every caller still gets its own
   * copy. Only plain JSON values are kept; `false` parses every hit.
   * @default { maxChars: 1_000_000 }
   */
  reuseDecoded?: boolean | { maxChars?: number }
  /**
   * How long a tag invalidation is remembered. Entries that carry tags never live longer than
   * this, which is what lets tag bookkeeping expire. At least 1 s; a number is seconds.
   * @default '7d'
   */
  tagRetention?: Duration | number
  /**
   * An in-process L1 in front of Redis (off by default): hot hits cost no round trip. Kept
   * coherent by Redis tracking on tcp and memory (any writer evicts), by hotpath's own
   * invalidation messages over the upstash driver, and otherwise by `l1.ttl` alone. `prefixes`
   * limits what is tracked and cached (default: every key this cache reads). A key definition
   * with `l1: false` (`@hotpath/keys`) is never kept; with `optIn: true` only definitions with
   * `l1: true` are.
   * @default false
   */
  l1?: boolean | (L1Options & { prefixes?: readonly string[]; optIn?: boolean })
  /**
   * Prefix for the cache's own keys (tags, locks). Defaults to the key registry's default
   * (`HOTPATH_KEY_PREFIX`).
   * @default undefined
   */
  prefix?: string
  /**
   * One console.debug line per cache event.
   * @default `LOG_LEVEL=debug` (any case)
   */
  debug?: boolean
}

/** A `CachePolicy` with every duration in milliseconds. */
export type ResolvedPolicy = {
  ttlMs: number
  graceMs: number
  softTimeoutMs: number
  hardTimeoutMs: number | undefined
  negativeTtlMs: number | undefined
  jitter: number
  lockTtlMs: number
  lockWaitMs: number
  graceBackoffMs: number
}

/** In the units bare numbers are read in: seconds for `ttl`, milliseconds for the lock options. */
export const DEFAULT_POLICY = {
  ttl: 60,
  grace: 0,
  softTimeout: 0,
  hardTimeout: undefined,
  negativeTtl: undefined,
  jitter: 0,
  lockTtl: 10_000,
  lockWait: 5_000,
  graceBackoff: 5_000,
} satisfies CachePolicy

/**
 * `CACHE_DEFAULT_TTL`: the default ttl when `defaults.ttl` is not given, as a number of seconds
 * (`300`) or a duration (`'5m'`). Read through `globalThis` so edge runtimes without `process`
 * simply have none. Milliseconds, or `undefined` when unset or blank.
 */
export function defaultTtlFromEnv(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env
  const raw = env?.CACHE_DEFAULT_TTL?.trim()
  if (!raw) return undefined
  // The variable is documented in seconds, so digits alone are seconds, not a malformed duration.
  const value = /^\d+(?:\.\d+)?$/.test(raw) ? Number(raw) : raw
  return parseDuration(value, 'CACHE_DEFAULT_TTL', { ...IN_SECONDS, min: 1 })
}

export const DEFAULT_COMPRESSION_THRESHOLD = 1024
export const DEFAULT_TAG_RETENTION = '7d'

export function resolvePolicy(policy: CachePolicy, base?: ResolvedPolicy): ResolvedPolicy {
  const jitter = policy.jitter ?? base?.jitter ?? DEFAULT_POLICY.jitter
  if (!(jitter >= 0 && jitter < 1)) {
    throw new CacheError(errors.E_OPTION_INVALID, `jitter must be in [0, 1), got ${jitter}`)
  }
  // Unset, an option falls back to `base` (the cache's defaults), then to DEFAULT_POLICY.
  const read = (
    name: Exclude<keyof CachePolicy, 'jitter'>,
    rules: typeof IN_SECONDS | typeof IN_MILLISECONDS,
    min = 0,
  ): number | undefined => {
    const value = policy[name]
    return value === undefined ? undefined : parseDuration(value, name, { ...rules, min })
  }
  return {
    ttlMs: read('ttl', IN_SECONDS, 1) ?? base?.ttlMs ?? DEFAULT_POLICY.ttl * 1000,
    graceMs: read('grace', IN_SECONDS) ?? base?.graceMs ?? 0,
    softTimeoutMs: read('softTimeout', IN_MILLISECONDS) ?? base?.softTimeoutMs ?? 0,
    hardTimeoutMs: read('hardTimeout', IN_MILLISECONDS) ?? base?.hardTimeoutMs,
    negativeTtlMs: read('negativeTtl', IN_SECONDS) ?? base?.negativeTtlMs,
    jitter,
    lockTtlMs: read('lockTtl', IN_MILLISECONDS, 1) ?? base?.lockTtlMs ?? DEFAULT_POLICY.lockTtl,
    lockWaitMs: read('lockWait', IN_MILLISECONDS) ?? base?.lockWaitMs ?? DEFAULT_POLICY.lockWait,
    graceBackoffMs:
      read('graceBackoff', IN_MILLISECONDS) ?? base?.graceBackoffMs ?? DEFAULT_POLICY.graceBackoff,
  }
}
