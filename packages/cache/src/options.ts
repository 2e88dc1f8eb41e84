import type { RedisClient } from '@hotpath/redis'
import { type Duration, optionalMs, toMs } from './duration'
import { CacheError, errors } from './errors'

/** What the cache needs of a `@hotpath/keys` registry: naming a key for stats. */
export type RegistryLike = { parse(key: string): { readonly name: string } | null }

/** Per-call and default policy of `getOrSet`. Numbers: seconds for ttl-like, ms for timeouts. */
export type CachePolicy = {
  /**
   * How long a value is fresh. Seconds, or a string ('30s', '5m'). A KeyRef's ttl wins over
   * this default; a per-call ttl wins over both.
   * @default 60
   */
  ttl?: Duration
  /**
   * How long past its ttl a value may still be served while it is refreshed in the
   * background (stale-while-revalidate), and served instead of a loader error (stale-if-error).
   * Seconds or string. 0 turns both off.
   * @default 0
   */
  grace?: Duration
  /**
   * With a stale value at hand, how long to wait for the refresh before answering with the
   * stale value; the refresh continues in the background. Milliseconds or string.
   * 0 answers with the stale value at once.
   * @default 0
   */
  softTimeout?: Duration
  /**
   * How long a caller waits for a loader at most when there is no stale value; past it,
   * `getOrSet` throws `E_HARD_TIMEOUT` (the loader keeps running and still fills the cache).
   * Milliseconds or string. `undefined` waits as long as the loader takes.
   * @default undefined
   */
  hardTimeout?: Duration
  /**
   * Cache a `null`/`undefined` loader result for this long (seconds or string). Unset, such
   * results are returned but never cached, so a missing row does not stick.
   * @default undefined
   */
  negativeTtl?: Duration
  /**
   * Share of the ttl added or taken off at random per write (0.1 = ±10%), so keys written
   * together do not expire together; the same rule as `ttlWithJitter` in @hotpath/keys.
   * A KeyRef's definition jitter wins over the default.
   * @default 0
   */
  jitter?: number
  /**
   * How long the stampede lock is held at most (a crashed loader frees it after this).
   * Milliseconds or string.
   * @default 10000
   */
  lockTtl?: Duration
  /**
   * How long callers in other instances wait (polling with backoff) for the instance that
   * holds the stampede lock, before running the loader themselves. Milliseconds or string.
   * @default 5000
   */
  lockWait?: Duration
  /**
   * After a failed background refresh, how long before any instance retries it; the stale
   * value keeps being served meanwhile. Milliseconds or string.
   * @default 5000
   */
  graceBackoff?: Duration
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
   * this, which is what lets tag bookkeeping expire. Seconds or string.
   * @default '7d'
   */
  tagRetention?: Duration
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

export const DEFAULT_COMPRESSION_THRESHOLD = 1024
export const DEFAULT_TAG_RETENTION = '7d'

export function resolvePolicy(policy: CachePolicy, base?: ResolvedPolicy): ResolvedPolicy {
  const jitter = policy.jitter ?? base?.jitter ?? DEFAULT_POLICY.jitter
  if (!(jitter >= 0 && jitter < 1)) {
    throw new CacheError(errors.E_OPTION_INVALID, `jitter must be in [0, 1), got ${jitter}`)
  }
  const pick = <K extends keyof CachePolicy>(name: K) => policy[name]
  const ms = (name: 'ttl' | 'grace' | 'negativeTtl', fallback: number | undefined) => {
    const value = pick(name)
    return value === undefined ? fallback : toMs(value, 's', name)
  }
  const timeout = (
    name: 'softTimeout' | 'hardTimeout' | 'lockTtl' | 'lockWait' | 'graceBackoff',
    fallback: number | undefined,
  ) => optionalMs(pick(name), 'ms', name) ?? fallback
  const ttlMs = ms('ttl', base?.ttlMs ?? DEFAULT_POLICY.ttl * 1000) as number
  if (ttlMs <= 0) throw new CacheError(errors.E_OPTION_INVALID, 'ttl must be greater than 0')
  const lockTtlMs = timeout('lockTtl', base?.lockTtlMs ?? DEFAULT_POLICY.lockTtl) as number
  if (lockTtlMs < 1) throw new CacheError(errors.E_OPTION_INVALID, 'lockTtl must be at least 1 ms')
  return {
    ttlMs,
    graceMs: ms('grace', base?.graceMs ?? 0) as number,
    softTimeoutMs: timeout('softTimeout', base?.softTimeoutMs ?? 0) as number,
    hardTimeoutMs: timeout('hardTimeout', base?.hardTimeoutMs),
    negativeTtlMs: ms('negativeTtl', base?.negativeTtlMs),
    jitter,
    lockTtlMs,
    lockWaitMs: timeout('lockWait', base?.lockWaitMs ?? DEFAULT_POLICY.lockWait) as number,
    graceBackoffMs: timeout(
      'graceBackoff',
      base?.graceBackoffMs ?? DEFAULT_POLICY.graceBackoff,
    ) as number,
  }
}
