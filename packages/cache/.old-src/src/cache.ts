import { type Duration, debugFromEnv, parseDuration } from '@hotpath/core'
import type { KeyDefinition, KeyRef } from '@hotpath/keys'
import type { RedisClient } from '@hotpath/redis'
import { runScript } from '@hotpath/redis'
import {
  checkCacheKey,
  checkFunction,
  checkKeyText,
  checkOptions,
  checkSchemaOption,
  checkTagsArgument,
  checkTagsOption,
  invalidArgument,
  invalidOption,
} from './arguments'
import { type Decoded, DecodedValues } from './decoded'
import { decodeEntry, decodePlainEntry, type Entry, encodeEntry, encodePayload } from './entry'
import { CacheError, errors } from './errors'
import { type CacheEventName, CacheEvents, type CacheListener } from './events'
import { defineInternalKeys, type InternalKeys } from './internal-keys'
import { L1, type L1Stats } from './l1'
import { acquireLock, type Lock, type LockOptions, withLock } from './lock'
import {
  type CacheOptions,
  type CachePolicy,
  DEFAULT_COMPRESSION_THRESHOLD,
  DEFAULT_TAG_RETENTION,
  defaultTtlFromEnv,
  IN_SECONDS,
  type RegistryLike,
  type ResolvedPolicy,
  resolvePolicy,
} from './options'
import { type SchemaLike, validate } from './schema'
import { extendScript, releaseScript } from './scripts'
import { type CacheStats, StatsRecorder } from './stats'
import {
  createFlags,
  createLeaderboard,
  type Flags,
  type Leaderboard,
  type StructureKey,
} from './structures'
import { CLOCK_SKEW_MS, newTagToken, tagTokenTime } from './tags'
import { BoundedMap, race, randomToken, sleep, union } from './util'

/** A plain string key, or a KeyRef from the app's registry (its ttl, tags and schema apply). */
export type CacheKey<T = unknown> = string | KeyRef<T>

export type LoaderContext<T> = {
  readonly key: string
  /** The stale value being refreshed, when the loader runs for a graced entry. */
  readonly stale: T | undefined
  /** Decide the ttl from what was loaded (seconds or string); wins over every other ttl. */
  setTtl(ttl: Duration | number): void
  /** Replace the entry's tags with tags derived from what was loaded. */
  setTags(tags: readonly string[]): void
}

export type Loader<T> = (ctx: LoaderContext<T>) => T | Promise<T>

export type GetOrSetOptions<T = unknown> = CachePolicy & {
  /** Tags to attach; added to the KeyRef's tags. */
  tags?: readonly string[]
  /** Validates the value on read; a value that fails is a miss. A KeyRef's schema applies too. */
  schema?: SchemaLike<T>
}

export type GetOptions<T = unknown> = Pick<GetOrSetOptions<T>, 'tags' | 'schema'>

export type SetOptions = Pick<CachePolicy, 'ttl' | 'grace' | 'jitter'> & {
  tags?: readonly string[]
}

export type WarmEntry<T = unknown> = {
  key: CacheKey<T>
  loader: Loader<T>
  options?: GetOrSetOptions<T>
}

export type WarmOptions = {
  /**
   * Loaders run at the same time at most.
   * @default 4
   */
  concurrency?: number
  /**
   * Load and write even when a fresh value is cached.
   * @default false
   */
  force?: boolean
  onProgress?: (progress: { done: number; total: number; key: string; ok: boolean }) => void
}

export type WarmResult = {
  /** Entries whose loader ran. */
  loaded: number
  /** Entries that were already fresh. */
  fresh: number
  failed: { key: string; error: unknown }[]
}

type Plan = {
  key: string
  namespace: string
  tags: readonly string[]
  schema: SchemaLike | undefined
  /** Per-call options, resolved against `base` only when a miss needs them (see `policyOf`). */
  options: CachePolicy | undefined
  base: ResolvedPolicy
  resolved?: ResolvedPolicy
}

function policyOf(plan: Plan): ResolvedPolicy {
  plan.resolved ??= plan.options ? resolvePolicy(plan.options, plan.base) : plan.base
  return plan.resolved
}

/** The grace of a plan without resolving the rest: all a hit needs. */
function graceOf(plan: Plan): number {
  return plan.options?.grace === undefined ? plan.base.graceMs : policyOf(plan).graceMs
}

type Tokens = Map<string, string>

type Found<T> = { value: T; entry: Entry; tokens: Tokens; at: number }
type Hit<T> = (Found<T> & { state: 'fresh' }) | (Found<T> & { state: 'stale' })
type Miss = {
  state: 'miss'
  reason: 'absent' | 'expired' | 'invalidated' | 'invalid' | 'error'
  tokens: Tokens
  /** When the tokens were read: the clock that bounds how long an entry may live. */
  at: number
}
type Read<T> = Hit<T> | Miss

type Fetched = { raw: string | null; tokens: Tokens; at: number; error: unknown }
/**
 * Where concurrent readers of one key find the round trip already on its way: the GET of an
 * untagged read (`raw`, sent at `at`), or the MGET of a tagged one (`fetch`).
 */
type ReadSlot = {
  raw: Promise<string | null> | undefined
  fetch: Promise<Fetched> | undefined
  /** The tags whose tokens `fetch` reads: only readers of the same tags share it. */
  fetchTags: readonly string[]
  at: number
}

type Refresh<T> = { refreshed: true; value: T } | { refreshed: false }

const NO_TAGS: readonly string[] = []
const HINTS_MAX = 10_000
const DEFAULT_REUSE_CHARS = 1_000_000
const DEFAULT_NAMESPACE = 'default'

/**
 * Cache-aside over any hotpath driver, built for many short-lived instances with no bus:
 * stampede protection and tag invalidation hold across processes because both live in Redis.
 * Redis trouble never throws from reads or writes: they degrade to the loader.
 */
export class Cache {
  readonly #redis: RedisClient | null
  readonly #registry: RegistryLike | undefined
  readonly #keys: InternalKeys
  readonly #defaults: ResolvedPolicy
  readonly #compressAbove: number | undefined
  readonly #tagRetentionMs: number
  readonly #stats = new StatsRecorder()
  readonly #events: CacheEvents
  /** In-process single flight: concurrent misses of one key share one promise. */
  readonly #flights = new Map<string, Promise<unknown>>()
  readonly #refreshes = new Map<string, Promise<Refresh<unknown>>>()
  /**
   * The read in flight per key (and tag set). A slot stays after its read settles: adding and
   * deleting a map entry on every hit costs about a microsecond, a slot's field costs nothing.
   */
  readonly #reads = new BoundedMap<string, ReadSlot>(HINTS_MAX)
  /** Set once the server refused a multi-key MGET across cluster slots. */
  #crossSlot = false
  /** Tags a loader attached to a key, so the next read fetches their tokens in its one round trip. */
  readonly #hints = new BoundedMap<string, readonly string[]>(HINTS_MAX)
  readonly #namespaces = new BoundedMap<string, string>(HINTS_MAX)
  readonly #tagKeys = new BoundedMap<string, string>(HINTS_MAX)
  readonly #decoded: DecodedValues

  readonly #l1: L1 | undefined

  constructor(options: CacheOptions) {
    if (typeof options !== 'object' || options === null) {
      throw invalidOption('createCache() options', 'an object with `redis`', options)
    }
    const redis: unknown = options.redis
    if (redis !== null && typeof (redis as { get?: unknown } | undefined)?.get !== 'function') {
      throw invalidOption(
        'createCache() redis',
        'a RedisClient from @hotpath/redis, or null for a pass-through',
        redis,
      )
    }
    const l1 = options.l1 === true ? {} : options.l1 === false ? undefined : options.l1
    this.#l1 =
      l1 && options.redis
        ? new L1(options.redis, l1.prefixes ?? [], l1, {
            onDegraded: (reason) =>
              this.#events.emit('error', { operation: 'l1', error: new Error(reason) }),
          })
        : undefined
    this.#redis = this.#l1?.client ?? options.redis
    this.#registry = options.registry
    this.#keys = defineInternalKeys(options.prefix).keys
    const defaults = resolvePolicy(options.defaults ?? {})
    const envTtlMs = defaultTtlFromEnv()
    // Code wins over the environment: CACHE_DEFAULT_TTL only fills a ttl the app did not set.
    this.#defaults =
      envTtlMs === undefined || options.defaults?.ttl !== undefined
        ? defaults
        : { ...defaults, ttlMs: envTtlMs }
    const compression = options.compression ?? false
    this.#compressAbove =
      compression === false
        ? undefined
        : compression === true
          ? DEFAULT_COMPRESSION_THRESHOLD
          : (compression.threshold ?? DEFAULT_COMPRESSION_THRESHOLD)
    this.#tagRetentionMs = parseDuration(
      options.tagRetention === undefined ? DEFAULT_TAG_RETENTION : options.tagRetention,
      'tagRetention',
      { ...IN_SECONDS, min: 1000 },
    )
    this.#events = new CacheEvents(options.debug ?? debugFromEnv())
    const reuse = options.reuseDecoded ?? true
    const maxChars =
      reuse === false
        ? 0
        : reuse === true
          ? DEFAULT_REUSE_CHARS
          : (reuse.maxChars ?? DEFAULT_REUSE_CHARS)
    if (!Number.isSafeInteger(maxChars) || maxChars < 0) {
      throw new CacheError(
        errors.E_OPTION_INVALID,
        'reuseDecoded.maxChars must be a whole number ≥ 0',
      )
    }
    this.#decoded = new DecodedValues(maxChars)
  }

  /** The driver this cache runs on, or null when it is a pass-through. */
  get redis(): RedisClient | null {
    return this.#redis
  }

  // ---------------------------------------------------------------- reads

  /**
   * The cached value, or the loader's. Concurrent misses share one loader run per process,
   * and a Redis lock makes other instances wait for it instead of running their own.
   */
  getOrSet<T>(key: CacheKey<T>, loader: Loader<T>, options?: GetOrSetOptions<T>): Promise<T> {
    // Not `async`: a hit is one `then` on the GET (an async frame and its await cost two more
    // microtask turns per call); a synchronous throw still becomes a rejection.
    try {
      const plan = this.#plan(key, options)
      checkFunction(loader, 'getOrSet() loader')
      if (!this.#redis) {
        this.#count(plan, 'misses', 'miss', { reason: 'no-redis' })
        const flight = this.#shared(plan.key, () =>
          this.#load(plan, loader, { tokens: noTokens(), at: Date.now() }, undefined),
        )
        return this.#bounded(plan, flight as Promise<T>)
      }
      return this.#read<T, T>(plan, (read) => {
        if (read.state === 'fresh') {
          this.#count(plan, 'hits', 'hit')
          return read.value
        }
        if (read.state === 'stale') {
          this.#count(plan, 'staleServed', 'stale')
          return this.#serveStale(plan, loader, read)
        }
        this.#count(plan, 'misses', 'miss', { reason: read.reason })
        const flight = this.#shared(plan.key, () => this.#loadOnce(plan, loader, read))
        return this.#bounded(plan, flight as Promise<T>)
      })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** A fresh cached value, or `undefined`. Stale values inside grace count as absent here. */
  get<T>(key: CacheKey<T>, options?: GetOptions<T>): Promise<T | undefined> {
    try {
      const plan = this.#plan(key, options)
      if (!this.#redis) {
        this.#count(plan, 'misses', 'miss', { reason: 'no-redis' })
        return Promise.resolve(undefined)
      }
      return this.#read<T, T | undefined>(plan, (read) => this.#freshOnly(plan, read))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Fresh values for many keys in one round trip, `undefined` where there is none. */
  async getMany<T>(
    keys: readonly CacheKey<T>[],
    options?: GetOptions<T>,
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw invalidArgument('getMany() keys', 'an array of keys', keys)
    const plans = keys.map((key) => this.#plan(key, options))
    if (!this.#redis) {
      for (const plan of plans) this.#count(plan, 'misses', 'miss', { reason: 'no-redis' })
      return plans.map(() => undefined)
    }
    const reads = await this.#readMany<T>(plans)
    return reads.map((read, index) => this.#freshOnly(plans[index] as Plan, read))
  }

  /** The value of a fresh read, counted as a hit; anything else is a miss (stale included). */
  #freshOnly<T>(plan: Plan, read: Read<T>): T | undefined {
    if (read.state === 'fresh') {
      this.#count(plan, 'hits', 'hit')
      return read.value
    }
    this.#count(plan, 'misses', 'miss', {
      reason: read.state === 'stale' ? 'expired' : read.reason,
    })
    return undefined
  }

  // ---------------------------------------------------------------- writes

  /** Writes a value. False when there is no Redis or the write failed (see the `error` event). */
  async set<T>(key: CacheKey<T>, value: T, options?: SetOptions): Promise<boolean> {
    const plan = this.#plan(key, options)
    if (!this.#redis) return false
    const tokens = noTokens()
    const at = Date.now()
    if (plan.tags.length > 0 && !(await this.#fetchTokens(plan, plan.tags, tokens))) return false
    return this.#store(plan, value, policyOf(plan).ttlMs, plan.tags, tokens, at, undefined)
  }

  /** Removes a key. False when there was nothing to remove, no Redis, or Redis failed. */
  async delete(key: CacheKey): Promise<boolean> {
    const plan = this.#plan(key, undefined)
    if (!this.#redis) return false
    try {
      return (await this.#redis.del(plan.key)) > 0
    } catch (error) {
      this.#fail(plan, 'delete', error)
      return false
    }
  }

  /**
   * Every entry carrying any of these tags reads as a miss from now on, in every instance:
   * one round trip, one SET per tag (see README, "Tags").
   */
  async invalidateTags(tags: readonly string[]): Promise<boolean> {
    checkTagsArgument(tags, 'invalidateTags() tags')
    if (tags.length === 0) return true
    if (!this.#redis) return false
    const token = newTagToken()
    const px = Math.ceil(this.#tagRetentionMs)
    try {
      await this.#redis.pipeline(
        tags.map((tag) => ['SET', this.#tagKey(tag), token, 'PX', px] as const),
      )
    } catch (error) {
      this.#fail(undefined, 'invalidateTags', error)
      return false
    }
    this.#events.emit('invalidate', { tags: [...tags] })
    return true
  }

  /**
   * Deletes every key of one registry template, on every master of a cluster: SCAN with the
   * template's own glob (never KEYS, which blocks the server) and UNLINK (freed off-thread).
   */
  async invalidateNamespace(
    definition: Pick<KeyDefinition, 'name' | 'pattern'>,
  ): Promise<{ deleted: number; ok: boolean }> {
    if (
      (typeof definition !== 'object' && typeof definition !== 'function') ||
      definition === null ||
      typeof definition.name !== 'string' ||
      typeof definition.pattern !== 'function'
    ) {
      throw invalidArgument(
        'invalidateNamespace() definition',
        'a key definition from @hotpath/keys',
        definition,
      )
    }
    if (!this.#redis) return { deleted: 0, ok: false }
    let deleted = 0
    try {
      for await (const batch of this.#redis.scan({ match: definition.pattern(), count: 500 })) {
        if (batch.length === 0) continue
        // One UNLINK per key: a multi-key UNLINK would be refused across cluster slots.
        const replies = await this.#redis.pipeline(batch.map((key) => ['UNLINK', key] as const))
        for (const reply of replies) deleted += Number(reply) || 0
      }
    } catch (error) {
      this.#fail(undefined, 'invalidateNamespace', error)
      return { deleted, ok: false }
    }
    this.#events.emit('invalidate', { namespace: definition.name, keys: deleted })
    return { deleted, ok: true }
  }

  /**
   * Fills the cache ahead of traffic, `concurrency` loaders at a time. A failing loader is
   * reported in `failed`, never thrown; malformed entries or options reject before any runs.
   */
  async warm(entries: readonly WarmEntry[], options: WarmOptions = {}): Promise<WarmResult> {
    checkWarm(entries, options)
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4))
    const result: WarmResult = { loaded: 0, fresh: 0, failed: [] }
    let next = 0
    let done = 0
    const worker = async () => {
      for (;;) {
        const entry = entries[next++]
        if (!entry) return
        const key = typeof entry.key === 'string' ? entry.key : entry.key.key
        let ran = false
        const loader: Loader<unknown> = (ctx) => {
          ran = true
          return entry.loader(ctx)
        }
        let ok = true
        try {
          if (options.force) {
            const plan = this.#plan(entry.key, entry.options)
            await this.#load(plan, loader, await this.#freshTokens(plan), undefined)
          } else {
            await this.getOrSet(entry.key, loader, entry.options)
          }
          if (ran) result.loaded++
          else result.fresh++
        } catch (error) {
          ok = false
          result.failed.push({ key, error })
        }
        done++
        options.onProgress?.({ done, total: entries.length, key, ok })
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker))
    return result
  }

  // ---------------------------------------------------------------- locks

  /** Takes a distributed lock, or returns null when someone else holds it (after `wait`). */
  acquireLock(resource: string, options?: LockOptions): Promise<Lock | null> {
    return acquireLock(this.#redis, this.#keys, resource, options)
  }

  /** Runs `fn` under the lock and releases it; throws `E_LOCK_TIMEOUT` if it cannot be taken. */
  withLock<T>(
    resource: string,
    fn: (lock: Lock) => T | Promise<T>,
    options?: LockOptions,
  ): Promise<T> {
    return withLock(this.#redis, this.#keys, resource, fn, options)
  }

  // ---------------------------------------------------------------- structures

  /** A highest-first leaderboard over a sorted set. */
  leaderboard(target: StructureKey): Leaderboard {
    return createLeaderboard(this.#redis, target)
  }

  /** A per-user feature flag over a set; `isEnabled` is one SISMEMBER. */
  flags(target: StructureKey): Flags {
    return createFlags(this.#redis, target)
  }

  // ---------------------------------------------------------------- observability

  /** Counters per registry namespace since creation (or the last `resetStats`). */
  /** The L1 tier's figures (mode, whether it serves, hits of stored texts), when it is on. */
  l1Stats(): L1Stats | undefined {
    return this.#l1?.stats
  }

  /** Resolves once L1 serves (or has settled for `ttl`-only); at once without L1. */
  async l1Ready(): Promise<void> {
    await this.#l1?.ready
  }

  /** Stops L1's invalidation channel and drops its entries. The Redis client stays open. */
  async close(): Promise<void> {
    await this.#l1?.close()
  }

  stats(): CacheStats {
    return this.#stats.snapshot()
  }

  resetStats(): void {
    this.#stats.reset()
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends CacheEventName>(name: E, listener: CacheListener<E>): () => void {
    return this.#events.on(name, listener)
  }

  // ---------------------------------------------------------------- internals: planning

  #plan<T>(key: CacheKey<T>, options: GetOrSetOptions<T> | SetOptions | undefined): Plan {
    if (options !== undefined) checkPlanOptions(options)
    if (typeof key === 'string') {
      checkKeyText(key, 'cache key')
      return {
        key,
        namespace: this.#namespaceOf(key),
        options,
        base: this.#defaults,
        tags: options?.tags ?? NO_TAGS,
        schema:
          options && 'schema' in options ? (options.schema as SchemaLike | undefined) : undefined,
      }
    }
    checkCacheKey(key, 'cache key')
    const definition = key.definition
    let base = this.#defaults
    if (key.ttl !== undefined || definition.jitter > 0) {
      base = resolvePolicy(
        { ttl: key.ttl, jitter: definition.jitter > 0 ? definition.jitter : undefined },
        this.#defaults,
      )
    }
    return {
      key: key.key,
      namespace: key.name,
      options,
      base,
      tags: union(key.tags, options?.tags),
      schema:
        (options && 'schema' in options ? (options.schema as SchemaLike | undefined) : undefined) ??
        (definition.schema as SchemaLike | undefined),
    }
  }

  #namespaceOf(key: string): string {
    if (!this.#registry) return DEFAULT_NAMESPACE
    let namespace = this.#namespaces.get(key)
    if (namespace === undefined) {
      namespace = this.#registry.parse(key)?.name ?? DEFAULT_NAMESPACE
      this.#namespaces.set(key, namespace)
    }
    return namespace
  }

  #tagKey(tag: string): string {
    // Built once per tag: a key through the registry (escaping, prefix) costs more than the
    // rest of a tagged hit's bookkeeping.
    let key = this.#tagKeys.get(tag)
    if (key === undefined) {
      key = this.#keys.cacheTag({ tag }).key
      this.#tagKeys.set(tag, key)
    }
    return key
  }

  // ---------------------------------------------------------------- internals: reading

  /**
   * Reads `plan.key` (with the tokens of its tags) and hands the judged read to `next`, in the
   * same microtask as the reply where the entry needs no async work. Concurrent reads of one
   * key in this process share one round trip; each caller still judges the reply against its
   * own policy (grace, schema).
   */
  #read<T, R = Read<T>>(
    plan: Plan,
    next: (read: Read<T>) => R | Promise<R> = asRead as never,
  ): Promise<R> {
    // no lookup while no loader has chosen tags (the common case)
    const hinted = this.#hints.size === 0 ? undefined : this.#hints.get(plan.key)
    const tags = union(plan.tags, hinted)
    if (tags.length === 0) return this.#readUntagged(plan, next)
    let slot = this.#slot(plan.key)
    if (slot.fetch && !sameTags(slot.fetchTags, tags)) {
      // The key's read in flight is for other tags, whose tokens would not answer ours:
      // readers of this tag set share a slot of their own.
      slot = this.#slot(`${plan.key}\u0000${tags.join('\u0000')}`)
    }
    const fetch = slot.fetch ?? this.#fetchTagged(slot, plan.key, tags)
    return fetch.then((fetched) => {
      // Shared with concurrent readers of the key: every site that adds tokens copies first.
      const tokens = fetched.tokens
      if (fetched.error !== undefined) {
        this.#fail(plan, 'read', fetched.error)
        return next({ state: 'miss', reason: 'error', tokens, at: fetched.at })
      }
      return then(this.#evaluate<T>(plan, fetched.raw, tokens, fetched.at), next)
    })
  }

  /** The common read: one GET, one `then`, whose callback judges the entry and calls `next`. */
  #readUntagged<T, R>(plan: Plan, next: (read: Read<T>) => R | Promise<R>): Promise<R> {
    const slot = this.#slot(plan.key)
    let sent = slot.raw
    if (!sent) {
      try {
        sent = (this.#redis as RedisClient).get(plan.key)
      } catch (error) {
        // a client that throws instead of rejecting still degrades to a miss
        sent = Promise.reject(error)
      }
      slot.raw = sent
      slot.at = Date.now()
    }
    const own = slot
    const mine = sent
    const at = slot.at
    return sent.then(
      (raw) => {
        if (own.raw === mine) own.raw = undefined
        return then(this.#evaluate<T>(plan, raw, EMPTY_TOKENS, at), next)
      },
      (error: unknown) => {
        if (own.raw === mine) own.raw = undefined
        this.#fail(plan, 'read', error ?? new Error('read failed'))
        return next({ state: 'miss', reason: 'error', tokens: EMPTY_TOKENS, at })
      },
    )
  }

  /** The read slot of `key`, made on first use. */
  #slot(key: string): ReadSlot {
    let slot = this.#reads.get(key)
    if (!slot) {
      slot = { raw: undefined, fetch: undefined, fetchTags: NO_TAGS, at: 0 }
      this.#reads.set(key, slot)
    }
    return slot
  }

  /**
   * The entry and its tags' tokens in one MGET, shared through `slot` while in flight unless a
   * read of other tags holds it. One `then` on the driver's promise (no async frames): a
   * tagged hit is as common as an untagged one. Never rejects: a failure is returned as
   * `error` so every sharer records it.
   */
  #fetchTagged(slot: ReadSlot, key: string, tags: readonly string[]): Promise<Fetched> {
    const at = Date.now()
    let keys: string[]
    try {
      keys = [key]
      for (let i = 0; i < tags.length; i++) keys.push(this.#tagKey(tags[i] as string))
    } catch (error) {
      // a tag the registry refuses (an empty one, say) degrades like a failed read
      return Promise.resolve(this.#fetchFailed(slot, undefined, error, at))
    }
    // Inline callbacks, not named ones: a transpiler keeping function names (tsx, esbuild's
    // keepNames) would rename each named closure on every call.
    const fetch: Promise<Fetched> = this.#mgetThen(
      keys,
      (replies) => this.#fetched(slot, fetch, tags, replies, at),
      (error) => this.#fetchFailed(slot, fetch, error, at),
    )
    if (!slot.fetch) {
      slot.fetch = fetch
      slot.fetchTags = tags
    }
    return fetch
  }

  #fetched(
    slot: ReadSlot,
    fetch: Promise<Fetched>,
    tags: readonly string[],
    replies: readonly (string | null)[],
    at: number,
  ): Fetched {
    if (slot.fetch === fetch) slot.fetch = undefined
    const tokens = noTokens()
    for (let i = 0; i < tags.length; i++) tokens.set(tags[i] as string, replies[i + 1] ?? '')
    return { raw: replies[0] ?? null, tokens, at, error: undefined }
  }

  #fetchFailed(
    slot: ReadSlot,
    fetch: Promise<Fetched> | undefined,
    error: unknown,
    at: number,
  ): Fetched {
    if (slot.fetch === fetch) slot.fetch = undefined
    return { raw: null, tokens: noTokens(), at, error: error ?? new Error('read failed') }
  }

  /**
   * Values of several keys in one round trip: MGET (one command, the cheapest), or a pipeline
   * of GETs once the server refused MGET across cluster slots; the driver splits that per node.
   */
  #mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.#mgetThen(
      keys,
      (replies) => replies,
      (error) => {
        throw error
      },
    )
  }

  /** `#mget` with its outcome handed to `found` or `failed` in one `then` on the driver's call. */
  #mgetThen<R>(
    keys: readonly string[],
    found: (replies: (string | null)[]) => R,
    failed: (error: unknown) => R,
  ): Promise<R> {
    if (this.#crossSlot) return this.#getEach(keys).then(found, failed)
    let sent: Promise<(string | null)[]>
    try {
      sent = (this.#redis as RedisClient).mget(keys)
    } catch (error) {
      sent = Promise.reject(error)
    }
    return sent.then(found, (error: unknown) => {
      if (!isCrossSlot(error)) return failed(error)
      this.#crossSlot = true
      return this.#getEach(keys).then(found, failed)
    })
  }

  /** One GET per key in one pipeline, which the driver splits per cluster node. */
  #getEach(keys: readonly string[]): Promise<(string | null)[]> {
    const redis = this.#redis as RedisClient
    return redis.pipeline(keys.map((key) => ['GET', key] as const)) as Promise<(string | null)[]>
  }

  async #readMany<T>(plans: readonly Plan[]): Promise<Read<T>[]> {
    let tags: readonly string[] = NO_TAGS
    for (const plan of plans) tags = union(union(tags, plan.tags), this.#hints.get(plan.key))
    const keys = plans.map((plan) => plan.key)
    for (const tag of tags) keys.push(this.#tagKey(tag))
    const at = Date.now()
    let replies: (string | null)[]
    try {
      replies = keys.length === 0 ? [] : await this.#mget(keys)
    } catch (error) {
      for (const plan of plans) this.#fail(plan, 'read', error)
      return plans.map(() => ({ state: 'miss', reason: 'error', tokens: noTokens(), at }))
    }
    const tokens = noTokens()
    tags.forEach((tag, index) => {
      tokens.set(tag, (replies[plans.length + index] as string | null) ?? '')
    })
    return Promise.all(
      plans.map((plan, index) =>
        // Each plan gets its own copy: a later write must not see tokens another key fetched.
        this.#evaluate<T>(plan, replies[index] as string | null, new Map(tokens), at),
      ),
    )
  }

  /**
   * Judges a raw reply. Synchronous for the common hit (plain entry, known tags, no schema),
   * so a hit pays no extra promise turns; the rest goes through `#evaluateSlow`.
   */
  #evaluate<T>(
    plan: Plan,
    raw: string | null,
    tokens: Tokens,
    at: number,
  ): Read<T> | Promise<Read<T>> {
    if (raw === null) return { state: 'miss', reason: 'absent', tokens, at }
    const kept = this.#decoded.match(plan.key, raw)
    const entry = kept ? kept.entry : decodePlainEntry(raw)
    if (!entry || plan.schema || !knowsAll(tokens, entry.tags)) {
      return this.#evaluateSlow(plan, raw, tokens, at, kept)
    }
    return this.#judge<T>(plan, raw, entry, kept, tokens, at)
  }

  async #evaluateSlow<T>(
    plan: Plan,
    raw: string,
    shared: Tokens,
    at: number,
    kept: Decoded | undefined,
  ): Promise<Read<T>> {
    let tokens = shared
    const entry = kept
      ? kept.entry
      : raw[0] === 'J'
        ? decodePlainEntry(raw)
        : await decodeEntry(raw)
    if (!entry) return { state: 'miss', reason: 'invalid', tokens, at }
    const unknown = entry.tags.filter((tag) => !tokens.has(tag))
    if (unknown.length > 0) {
      // Tags the loader chose: learnt now, fetched in the first round trip next time.
      this.#hints.set(plan.key, union(plan.tags, entry.tags))
      tokens = new Map(tokens)
      if (!(await this.#fetchTokens(plan, unknown, tokens))) {
        return { state: 'miss', reason: 'error', tokens, at }
      }
    }
    const judged = this.#judge<T>(plan, raw, entry, kept, tokens, at)
    if (judged.state === 'miss' || !plan.schema) return judged
    const checked = await validate(plan.schema as SchemaLike<T>, judged.value)
    if (!checked.ok) return { state: 'miss', reason: 'invalid', tokens, at }
    return { ...judged, value: checked.value }
  }

  /**
   * Tag tokens, logical expiry and payload of an entry whose tags' tokens are known. `kept` is
   * what the last read decoded from the same text, reused instead of decoding it again.
   */
  #judge<T>(
    plan: Plan,
    raw: string,
    entry: Entry,
    kept: Decoded | undefined,
    tokens: Tokens,
    at: number,
  ): Read<T> {
    for (let index = 0; index < entry.tags.length; index++) {
      if (entry.tokens[index] !== tokens.get(entry.tags[index] as string)) {
        return { state: 'miss', reason: 'invalidated', tokens, at }
      }
    }
    const now = Date.now()
    const state =
      now < entry.expiresAt ? 'fresh' : now < entry.expiresAt + graceOf(plan) ? 'stale' : undefined
    if (!state) return { state: 'miss', reason: 'expired', tokens, at }
    if (kept) return { state, value: this.#decoded.copy<T>(kept), entry, tokens, at }
    const decoded = this.#decoded.decode<T>(plan.key, raw, entry)
    if (!decoded.ok) return { state: 'miss', reason: 'invalid', tokens, at }
    return { state, value: decoded.value, entry, tokens, at }
  }

  /** Adds the current tokens of `tags` to `tokens`; false when Redis failed. */
  async #fetchTokens(plan: Plan, tags: readonly string[], tokens: Tokens): Promise<boolean> {
    try {
      const replies = await this.#mget(tags.map((tag) => this.#tagKey(tag)))
      tags.forEach((tag, index) => {
        tokens.set(tag, replies[index] ?? '')
      })
      return true
    } catch (error) {
      this.#fail(plan, 'read', error)
      return false
    }
  }

  async #freshTokens(plan: Plan): Promise<{ tokens: Tokens; at: number }> {
    const tokens = noTokens()
    const at = Date.now()
    if (this.#redis && plan.tags.length > 0) await this.#fetchTokens(plan, plan.tags, tokens)
    return { tokens, at }
  }

  // ---------------------------------------------------------------- internals: loading

  #shared(key: string, start: () => Promise<unknown>): Promise<unknown> {
    let flight = this.#flights.get(key)
    if (!flight) {
      flight = start().finally(() => this.#flights.delete(key))
      // A caller that timed out leaves nobody awaiting; the rejection is still observed here.
      flight.catch(() => {})
      this.#flights.set(key, flight)
    }
    return flight
  }

  async #bounded<T>(plan: Plan, flight: Promise<T>): Promise<T> {
    const limit = policyOf(plan).hardTimeoutMs
    if (limit === undefined) return flight
    const outcome = await race(flight, limit)
    if (outcome.status === 'done') return outcome.value
    if (outcome.status === 'failed') throw outcome.error
    throw new CacheError(
      errors.E_HARD_TIMEOUT,
      `loader for '${plan.key}' did not settle within ${limit} ms`,
      { key: plan.key },
    )
  }

  /**
   * The miss path across instances: take the key's loader lock, or wait for whoever holds it
   * by polling the key with backoff; past `lockWait`, run the loader anyway rather than hang.
   */
  async #loadOnce<T>(plan: Plan, loader: Loader<T>, first: Miss): Promise<T> {
    const redis = this.#redis as RedisClient
    if (first.reason === 'error') return this.#load(plan, loader, first, undefined)
    const lockKey = this.#keys.cacheLoad({ key: plan.key }).key
    const token = randomToken()
    const deadline = Date.now() + policyOf(plan).lockWaitMs
    let delay = 10
    let last: Read<T> = first
    for (;;) {
      let acquired: boolean
      try {
        acquired =
          (await redis.set(lockKey, token, {
            nx: true,
            px: Math.ceil(policyOf(plan).lockTtlMs),
          })) !== null
      } catch (error) {
        // The read just worked, so this is likely a slow reply, not an outage: keep waiting
        // (bounded by lockWait) rather than add a loader run; a failing read ends the wait.
        this.#fail(plan, 'lock', error)
        acquired = false
      }
      if (acquired) {
        try {
          // Whoever held the lock before us may have just written the value.
          const again = await this.#read<T>(plan)
          if (again.state === 'fresh') return again.value
          return await this.#load(
            plan,
            loader,
            again,
            again.state === 'stale' ? again.value : undefined,
          )
        } finally {
          await this.#unlock(plan, lockKey, token)
        }
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        this.#events.emit('error', {
          key: plan.key,
          namespace: plan.namespace,
          operation: 'lockWait',
          error: new Error(`gave up waiting ${policyOf(plan).lockWaitMs} ms for the loader lock`),
        })
        return this.#load(plan, loader, last, undefined)
      }
      await sleep(Math.min(left, delay + Math.random() * delay))
      delay = Math.min(delay * 2, 200)
      last = await this.#read<T>(plan)
      if (last.state === 'fresh') return last.value
      if (last.state === 'miss' && last.reason === 'error') {
        return this.#load(plan, loader, last, undefined)
      }
    }
  }

  #serveStale<T>(plan: Plan, loader: Loader<T>, read: Hit<T>): Promise<T> | T {
    let refresh = this.#refreshes.get(plan.key) as Promise<Refresh<T>> | undefined
    if (!refresh) {
      refresh = this.#refreshOnce(plan, loader, read).finally(() =>
        this.#refreshes.delete(plan.key),
      )
      this.#refreshes.set(plan.key, refresh as Promise<Refresh<unknown>>)
    }
    if (policyOf(plan).softTimeoutMs <= 0) return read.value
    return race(refresh, policyOf(plan).softTimeoutMs).then((outcome) =>
      outcome.status === 'done' && outcome.value.refreshed ? outcome.value.value : read.value,
    )
  }

  /**
   * A background refresh runs in one instance: whoever takes the loader lock. The others keep
   * serving the stale value. After a failure the lock is kept for `graceBackoff`, so a failing
   * source is retried once per backoff across the fleet, not once per request. Never rejects.
   */
  async #refreshOnce<T>(plan: Plan, loader: Loader<T>, read: Hit<T>): Promise<Refresh<T>> {
    const redis = this.#redis as RedisClient
    const lockKey = this.#keys.cacheLoad({ key: plan.key }).key
    const token = randomToken()
    try {
      const taken = await redis.set(lockKey, token, {
        nx: true,
        px: Math.ceil(policyOf(plan).lockTtlMs),
      })
      if (taken === null) return { refreshed: false }
    } catch (error) {
      this.#fail(plan, 'lock', error)
      return { refreshed: false }
    }
    let failed = false
    try {
      const again = await this.#read<T>(plan)
      if (again.state === 'fresh') return { refreshed: true, value: again.value }
      const basis = again.state === 'miss' && again.reason === 'error' ? read : again
      const loading = this.#load(plan, loader, basis, read.value)
      const limit = policyOf(plan).hardTimeoutMs
      const value = limit === undefined ? await loading : await this.#bounded(plan, loading)
      return { refreshed: true, value }
    } catch {
      failed = true
      return { refreshed: false }
    } finally {
      if (failed) await this.#holdLock(plan, lockKey, token, policyOf(plan).graceBackoffMs)
      else await this.#unlock(plan, lockKey, token)
    }
  }

  /** Runs the loader once in this process and writes its result. */
  async #load<T>(
    plan: Plan,
    loader: Loader<T>,
    basis: { tokens: Tokens; at: number },
    stale: T | undefined,
  ): Promise<T> {
    const startedAt = Date.now()
    let ttlMs = policyOf(plan).ttlMs
    let tags = plan.tags
    const context: LoaderContext<T> = {
      key: plan.key,
      stale,
      setTtl(ttl) {
        ttlMs = parseDuration(ttl, 'ttl', { ...IN_SECONDS, min: 1 })
      },
      setTags(next) {
        checkTagsArgument(next, 'setTags() tags')
        tags = [...next]
      },
    }
    this.#stats.add(plan.namespace, 'loaderRuns')
    let value: T
    try {
      value = await loader(context)
    } catch (error) {
      this.#fail(plan, 'loader', error)
      throw error
    }
    // After a failed read, the write-back would most likely fail too: skipping it keeps a call
    // during an outage at one failed command (one retry cycle) while the breaker learns,
    // instead of two. The next call reads again and stores once Redis answers.
    const readFailed = 'reason' in basis && basis.reason === 'error'
    const cached = readFailed
      ? false
      : await this.#store(plan, value, ttlMs, tags, basis.tokens, basis.at, startedAt)
    if (this.#events.wants('load')) {
      this.#events.emit('load', {
        key: plan.key,
        namespace: plan.namespace,
        durationMs: Date.now() - startedAt,
        cached,
      })
    }
    return value
  }

  /**
   * Writes an entry. `tokens` were read at `tokensAt`, before the loader started; tags they do
   * not cover (chosen by the loader) are read now, and if one was invalidated around the load
   * the value is not cached, since it may predate the invalidation.
   */
  async #store(
    plan: Plan,
    value: unknown,
    ttlMs: number,
    tags: readonly string[],
    tokens: Tokens,
    tokensAt: number,
    loadStartedAt: number | undefined,
  ): Promise<boolean> {
    const redis = this.#redis
    if (!redis) return false
    const policy = policyOf(plan)
    let lifeMs = ttlMs
    if (value === null || value === undefined) {
      if (policy.negativeTtlMs === undefined) return false
      lifeMs = policy.negativeTtlMs
    }
    if (policy.jitter > 0) lifeMs *= 1 + policy.jitter * (2 * Math.random() - 1)
    const missing = tags.filter((tag) => !tokens.has(tag))
    if (missing.length > 0) {
      tokens = new Map(tokens)
      if (!(await this.#fetchTokens(plan, missing, tokens))) return false
      const since = (loadStartedAt ?? tokensAt) - CLOCK_SKEW_MS
      if (missing.some((tag) => tagTokenTime(tokens.get(tag) ?? '') >= since)) return false
    }
    const now = Date.now()
    let px = lifeMs + policy.graceMs
    // An entry with tags must be gone before its tags' bookkeeping can expire (see tags.ts).
    if (tags.length > 0) px = Math.min(px, this.#tagRetentionMs - (now - tokensAt))
    px = Math.floor(px)
    if (px < 1) return false
    try {
      const raw = await encodeEntry(
        {
          payload: encodePayload(value),
          createdAt: loadStartedAt ?? now,
          expiresAt: now + lifeMs,
          tags: [...tags],
          tokens: tags.map((tag) => tokens.get(tag) ?? ''),
        },
        this.#compressAbove,
      )
      await redis.set(plan.key, raw, { px })
      // The next read of this key, by any caller, fetches these tags' tokens in its one round trip.
      if (tags.length > 0 && union(plan.tags, tags) !== plan.tags) this.#hints.set(plan.key, tags)
      return true
    } catch (error) {
      this.#fail(plan, 'write', error)
      return false
    }
  }

  async #unlock(plan: Plan, lockKey: string, token: string): Promise<void> {
    try {
      await runScript(this.#redis as RedisClient, releaseScript, [lockKey], [token])
    } catch (error) {
      this.#fail(plan, 'unlock', error)
    }
  }

  async #holdLock(plan: Plan, lockKey: string, token: string, ms: number): Promise<void> {
    try {
      await runScript(
        this.#redis as RedisClient,
        extendScript,
        [lockKey],
        [token, Math.max(1, Math.ceil(ms))],
      )
    } catch (error) {
      this.#fail(plan, 'unlock', error)
    }
  }

  // ---------------------------------------------------------------- internals: telemetry

  #count(
    plan: Plan,
    counter: 'hits' | 'misses' | 'staleServed',
    event: 'hit' | 'miss' | 'stale',
    extra?: { reason: 'absent' | 'expired' | 'invalidated' | 'invalid' | 'error' | 'no-redis' },
  ): void {
    this.#stats.add(plan.namespace, counter)
    if (!this.#events.wants(event)) return
    if (event === 'miss') {
      this.#events.emit('miss', {
        key: plan.key,
        namespace: plan.namespace,
        reason: extra?.reason ?? 'absent',
      })
    } else {
      this.#events.emit(event, { key: plan.key, namespace: plan.namespace })
    }
  }

  #fail(plan: Plan | undefined, operation: string, error: unknown): void {
    this.#stats.add(plan?.namespace ?? DEFAULT_NAMESPACE, 'errors')
    this.#events.emit('error', {
      ...(plan ? { key: plan.key, namespace: plan.namespace } : {}),
      operation,
      error,
    })
  }
}

/** The tokens of a read without tags; never mutated (see the copies before `#fetchTokens`). */
const EMPTY_TOKENS: Tokens = new Map()

/** Redis says CROSSSLOT; ioredis's cluster client refuses before sending ("same slot"). */
function isCrossSlot(error: unknown): boolean {
  return /CROSSSLOT|same slot/i.test(String((error as Error | undefined)?.message))
}

/** The same tags in the same order (readers of one key pass one literal, so order holds). */
function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Whether `tokens` holds every tag (a loop: `some` with a closure costs one per hit). */
function knowsAll(tokens: Tokens, tags: readonly string[]): boolean {
  for (let i = 0; i < tags.length; i++) if (!tokens.has(tags[i] as string)) return false
  return true
}

const asRead = <T>(read: Read<T>): Read<T> => read

/** `next(value)`, after `value` settles when it is a promise. */
function then<A, R>(value: A | Promise<A>, next: (value: A) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value)
}

function noTokens(): Tokens {
  return new Map()
}

function checkPlanOptions(options: GetOrSetOptions | SetOptions): void {
  checkOptions(options, 'options')
  checkTagsOption(options.tags, 'options.tags')
  if ('schema' in options) checkSchemaOption(options.schema, 'options.schema')
}

function checkWarm(entries: readonly WarmEntry[], options: WarmOptions): void {
  if (!Array.isArray(entries)) throw invalidArgument('warm() entries', 'an array', entries)
  for (const [index, entry] of entries.entries()) {
    if (typeof entry !== 'object' || entry === null) {
      throw invalidArgument(`warm() entry ${index}`, 'an object with key and loader', entry)
    }
    checkCacheKey(entry.key, `warm() entry ${index} key`)
    checkFunction(entry.loader, `warm() entry ${index} loader`)
    if (entry.options !== undefined) checkPlanOptions(entry.options)
  }
  checkOptions(options, 'warm() options')
  const { concurrency, onProgress } = options
  if (concurrency !== undefined && !(typeof concurrency === 'number' && concurrency >= 1)) {
    throw invalidOption('warm() concurrency', 'a number of at least 1', concurrency)
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidOption('warm() onProgress', 'a function', onProgress)
  }
}

/** Creates a cache. `redis: null` gives a pass-through that always calls the loader. */
export function createCache(options: CacheOptions): Cache {
  return new Cache(options)
}
