import { type Duration, parseDuration } from '@hotpath/core'
import type { Command, RedisClient, TrackingEvent, Unsubscribe } from '@hotpath/redis'
import { LRUCache } from 'lru-cache'
import { CacheError, errors } from './errors'

export type L1Options = {
  /** Entries kept in this process, least recently used out first. @default 10_000 */
  maxEntries?: number
  /**
   * Bytes kept in this process (UTF-16: two per character of key and stored text). A value
   * larger than this is not kept. @default 16 MiB
   */
  maxBytes?: number
  /**
   * The longest an entry is served from this process without asking Redis. With tracking
   * (tcp, memory) every write is reported, so this only bounds memory churn; with
   * invalidation messages or none (upstash / REST), it is the staleness bound for writes that
   * bypass this cache. @default '1m' with tracking, '2s' without
   */
  ttl?: Duration
}

/** How L1 learns of writes: Redis tracking, hotpath's own messages, or only its `ttl`. */
export type L1Mode = 'tracking' | 'messages' | 'ttl'

export type L1Stats = {
  mode: L1Mode | 'starting'
  /** Whether entries are served now; false while starting or while the channel is down. */
  serving: boolean
  hits: number
  misses: number
  evictions: number
  entries: number
  bytes: number
}

export type L1Events = {
  /** Tracking and messages are unavailable: entries live only `ttl`. Emitted once. */
  onDegraded?: (reason: string) => void
}

const DEFAULTS = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 }
const TRACKED_TTL_MS = 60_000
// Without a channel, a write by another instance is seen at most this late. 2 s keeps a hot
// key (100 reads/s) at ~99.5% L1 hits while staying shorter than a user's retry after a save.
const UNTRACKED_TTL_MS = 2_000

/** A read in flight: it may fill L1 only if nothing invalidated its key meanwhile. */
type Fill = { key: string; dirty: boolean }

/** `null` caches a missing key: tracking reports its creation like any write. */
type Stored = string | typeof ABSENT
const ABSENT = Symbol('absent')

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new CacheError(
      errors.E_OPTION_INVALID,
      `l1.${name} must be a positive integer, got ${String(value)}`,
    )
  }
  return value
}

/**
 * The keys a write touches, for the commands of `RedisClient` (first argument a key or keys).
 * Scripts and pipelines name theirs; anything unknown under the prefixes flushes L1.
 */
const KEYED = new Set([
  'set',
  'getdel',
  'incr',
  'incrby',
  'decr',
  'expire',
  'pexpire',
  'persist',
  'hset',
  'hdel',
  'hincrby',
  'sadd',
  'srem',
  'zadd',
  'zincrby',
  'zrem',
  'zremrangebyscore',
  'lpush',
  'rpush',
  'lpop',
  'rpop',
  'ltrim',
  'lrem',
])
const VARIADIC = new Set(['del', 'unlink'])
/** Commands that change keys they do not name: L1 is emptied. */
const FLUSHING = new Set(['FLUSHDB', 'FLUSHALL', 'SWAPDB', 'SELECT'])

/**
 * An in-process L1 in front of a `RedisClient`: `get` and `mget` of keys under `prefixes` are
 * answered from memory while the invalidation channel says nothing changed; every other
 * command goes to Redis, and a write through this client evicts its keys at once (a process
 * reads its own writes). Only the exact stored text is kept, so the cache's own freshness,
 * grace and tag checks run on an L1 hit as on a Redis hit, with no round trip.
 */
export class L1 {
  readonly #redis: RedisClient
  readonly #prefixes: readonly string[]
  readonly #lru: LRUCache<string, Stored>
  readonly #fills = new Map<string, Set<Fill>>()
  readonly #channel: string
  readonly #instance = Math.random().toString(36).slice(2, 10)
  readonly #events: L1Events
  readonly #ttlOption: number | undefined
  #mode: L1Mode | 'starting' = 'starting'
  #serving = false
  #stop: Unsubscribe | undefined
  #closed = false
  readonly #counts = { hits: 0, misses: 0, evictions: 0 }
  readonly ready: Promise<void>
  /** The client the cache uses: reads through L1, writes evicting. */
  readonly client: RedisClient

  constructor(
    redis: RedisClient,
    prefixes: readonly string[],
    options: L1Options = {},
    events: L1Events = {},
  ) {
    const maxEntries = positiveInteger(options.maxEntries ?? DEFAULTS.maxEntries, 'maxEntries')
    const maxBytes = positiveInteger(options.maxBytes ?? DEFAULTS.maxBytes, 'maxBytes')
    this.#ttlOption =
      options.ttl === undefined
        ? undefined
        : parseDuration(options.ttl, 'l1.ttl', { min: 1, error: CacheError })
    this.#redis = redis
    this.#prefixes = [...prefixes]
    this.#events = events
    this.#channel = `${prefixes[0] ?? ''}__hotpath:l1`
    this.#lru = new LRUCache<string, Stored>({
      max: maxEntries,
      maxSize: maxBytes,
      // A value over maxSize is refused by lru-cache itself: "simply not kept".
      sizeCalculation: (value, key) => 2 * (key.length + (value === ABSENT ? 0 : value.length)),
      ttl: this.#ttlOption ?? UNTRACKED_TTL_MS,
      ttlAutopurge: false,
      updateAgeOnGet: false,
    })
    this.client = this.#wrap()
    this.ready = this.#start()
  }

  get stats(): L1Stats {
    return {
      mode: this.#mode,
      serving: this.#serving,
      ...this.#counts,
      entries: this.#lru.size,
      bytes: this.#lru.calculatedSize,
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#serving = false
    this.#lru.clear()
    await this.#stop?.().catch(() => {})
  }

  // ------------------------------------------------------------------ coherence

  async #start(): Promise<void> {
    if (this.#redis.track) {
      try {
        this.#stop = await this.#redis.track(this.#prefixes, (event) => this.#onTracking(event))
        this.#begin('tracking')
        return
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'E_UNSUPPORTED')) {
          // Redis is unreachable right now: stay bypassed; the cache works without L1.
          this.#events.onDegraded?.(`L1 off: tracking could not start (${error})`)
          return
        }
      }
    }
    try {
      this.#stop = await this.#redis.subscribe(this.#channel, (message) => this.#onMessage(message))
      this.#begin('messages')
      return
    } catch {
      // no subscription possible (edge, short-lived functions): ttl only
    }
    this.#events.onDegraded?.(
      `L1 entries live at most ${this.#ttl()} ms: no tracking and no subscription on ${this.#redis.driver}`,
    )
    this.#begin('ttl')
  }

  #begin(mode: L1Mode): void {
    if (this.#closed) {
      void this.#stop?.()
      return
    }
    this.#mode = mode
    this.#serving = true
  }

  #ttl(): number {
    return this.#ttlOption ?? (this.#mode === 'tracking' ? TRACKED_TTL_MS : UNTRACKED_TTL_MS)
  }

  #onTracking(event: TrackingEvent): void {
    if (event.type === 'invalidate') for (const key of event.keys) this.#evict(key)
    else if (event.type === 'flush') this.#evictAll()
    else if (event.type === 'down') {
      // Writes may go unreported from now on: nothing cached is trusted until tracking is back.
      this.#serving = false
      this.#evictAll()
    } else if (!this.#closed) this.#serving = true
  }

  #onMessage(message: string): void {
    const bar = message.indexOf('|')
    if (message.slice(0, bar) === this.#instance) return
    const body = message.slice(bar + 1)
    if (body === '*') {
      this.#evictAll()
      return
    }
    try {
      const keys = JSON.parse(body) as unknown
      if (Array.isArray(keys)) for (const key of keys) this.#evict(String(key))
    } catch {
      this.#evictAll()
    }
  }

  #evict(key: string): void {
    if (this.#lru.delete(key)) this.#counts.evictions++
    const fills = this.#fills.get(key)
    if (fills) for (const fill of fills) fill.dirty = true
  }

  #evictAll(): void {
    this.#counts.evictions += this.#lru.size
    this.#lru.clear()
    for (const fills of this.#fills.values()) for (const fill of fills) fill.dirty = true
  }

  #tracked(key: string): boolean {
    for (const prefix of this.#prefixes) if (key.startsWith(prefix)) return true
    return this.#prefixes.length === 0
  }

  // ------------------------------------------------------------------ reads

  /** Whether a `get` of `key` now would be answered from memory (no round trip). */
  holds(key: string): boolean {
    return this.#serving && this.#tracked(key) && this.#lru.has(key)
  }

  /**
   * The stored text of `key` (`null`: cached as absent) when memory answers, else `undefined`;
   * counted as a hit or miss like a `get`. Synchronous: the cache's read skips `get`'s promise.
   */
  lookup(key: string): string | null | undefined {
    const stored = this.#peek(key)
    return stored === undefined ? undefined : stored === ABSENT ? null : stored
  }

  #startFill(key: string): Fill {
    const fill: Fill = { key, dirty: false }
    let set = this.#fills.get(key)
    if (!set) {
      set = new Set()
      this.#fills.set(key, set)
    }
    set.add(fill)
    return fill
  }

  #endFill(fill: Fill, value: string | null | undefined): void {
    const set = this.#fills.get(fill.key)
    set?.delete(fill)
    if (set?.size === 0) this.#fills.delete(fill.key)
    if (fill.dirty || !this.#serving || value === undefined) return
    this.#lru.set(fill.key, value === null ? ABSENT : value, { ttl: this.#ttl() })
  }

  #peek(key: string): Stored | undefined {
    if (!this.#serving || !this.#tracked(key)) return undefined
    const stored = this.#lru.get(key)
    if (stored === undefined) this.#counts.misses++
    else this.#counts.hits++
    return stored
  }

  async #get(key: string): Promise<string | null> {
    const stored = this.#peek(key)
    if (stored !== undefined) return stored === ABSENT ? null : stored
    if (!this.#serving || !this.#tracked(key)) return this.#redis.get(key)
    const fill = this.#startFill(key)
    let value: string | null | undefined
    try {
      value = await this.#redis.get(key)
      return value
    } finally {
      this.#endFill(fill, value)
    }
  }

  async #mget(keys: readonly string[]): Promise<(string | null)[]> {
    const replies: (string | null)[] = new Array(keys.length)
    const missing: number[] = []
    keys.forEach((key, index) => {
      const stored = this.#peek(key)
      if (stored === undefined) missing.push(index)
      else replies[index] = stored === ABSENT ? null : stored
    })
    if (missing.length === 0) return replies
    const fills = missing.map((index) =>
      this.#serving && this.#tracked(keys[index] as string)
        ? this.#startFill(keys[index] as string)
        : undefined,
    )
    let fetched: (string | null)[] | undefined
    try {
      fetched = await this.#redis.mget(missing.map((index) => keys[index] as string))
    } finally {
      fills.forEach((fill, i) => {
        if (fill) this.#endFill(fill, fetched?.[i])
      })
    }
    missing.forEach((index, i) => {
      replies[index] = fetched?.[i] ?? null
    })
    return replies
  }

  // ------------------------------------------------------------------ writes

  /** This process wrote `keys` (or, with `null`, something it cannot name): evict, tell others. */
  #wrote(keys: readonly string[] | null): void {
    const mine = keys === null ? null : keys.filter((key) => this.#tracked(key))
    if (mine === null) this.#evictAll()
    else if (mine.length === 0) return
    else for (const key of mine) this.#evict(key)
    if (this.#mode === 'messages') {
      const body = mine === null ? '*' : JSON.stringify(mine)
      this.#redis.publish(this.#channel, `${this.#instance}|${body}`).catch(() => {})
    }
  }

  #wrap(): RedisClient {
    const redis = this.#redis
    const through = <A extends unknown[], R>(
      fn: (...args: A) => Promise<R>,
      keysOf: (...args: A) => readonly string[] | null,
    ) => {
      return async (...args: A): Promise<R> => {
        const keys = keysOf(...args)
        // Before: a read already in flight must not fill the old value. After: nor one that
        // read between our eviction and the write landing.
        this.#wrote(keys)
        try {
          return await fn(...args)
        } finally {
          if (keys === null) this.#evictAll()
          else for (const key of keys) this.#evict(key)
        }
      }
    }
    const wrapped: Record<string, unknown> = {}
    for (const name of KEYED) {
      const fn = Reflect.get(redis, name) as (...args: unknown[]) => Promise<unknown>
      wrapped[name] = through(fn.bind(redis), (key) => [String(key)])
    }
    for (const name of VARIADIC) {
      const fn = Reflect.get(redis, name) as (...args: unknown[]) => Promise<unknown>
      wrapped[name] = through(fn.bind(redis), (...keys) => keys.map(String))
    }
    const commandKeys = (commands: readonly Command[]): string[] | null => {
      const keys: string[] = []
      for (const [name, ...args] of commands) {
        const upper = name.toUpperCase()
        if (upper === 'GET' || upper === 'MGET' || upper === 'PTTL' || upper === 'TTL') continue
        if (upper === 'EVAL' || upper === 'EVALSHA') {
          keys.push(...args.slice(2, 2 + Number(args[1] ?? 0)).map(String))
        } else if (FLUSHING.has(upper)) {
          return null
        } else {
          // Any other command: every argument may be a key. Evicting a key that was only a
          // value costs one extra round trip; flushing all of L1 on every unknown command (a
          // limiter's pipeline on the same client) cost the whole tier.
          for (const arg of args) if (typeof arg === 'string') keys.push(arg)
        }
      }
      return keys
    }
    const overrides: Record<string | symbol, unknown> = {
      ...wrapped,
      get: (key: string) => this.#get(key),
      mget: (keys: readonly string[]) => this.#mget(keys),
      mset: through(redis.mset.bind(redis), (entries) => Object.keys(entries)),
      lmove: through(redis.lmove.bind(redis), (source, destination) => [source, destination]),
      eval: through(redis.eval.bind(redis), (_script, keys) => keys ?? []),
      evalsha: through(redis.evalsha.bind(redis), (_sha, keys) => keys ?? []),
      pipeline: through(redis.pipeline.bind(redis), commandKeys),
      call: through(redis.call.bind(redis), (command) => commandKeys([command])),
      close: async () => {
        await this.close()
        await redis.close()
      },
    }
    // Everything else (reads, pub/sub, stats, breaker, on) is the client's own.
    return new Proxy(redis, {
      get(target, property) {
        if (Object.hasOwn(overrides, property)) return overrides[property]
        const value = Reflect.get(target, property)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  }
}
