/**
 * The one seam every hotpath package sees. Drivers deal in raw strings; values are
 * serialized by hotpath (see serializer.ts), never by the driver, so every driver
 * round-trips the same bytes. Replies follow RESP2 as the Redis docs describe them:
 * integers are numbers, missing values are null, and a missing key reads as empty.
 *
 * On a Redis Cluster, a command or script with several keys needs them in one hash slot
 * (`{user:42}:a`, `{user:42}:b`); `scan`, `scriptLoad` and `pipeline` handle every node.
 */

export type DriverName = 'http' | 'upstash' | 'tcp' | 'memory' | (string & {})

/** One raw command, e.g. `['SET', 'k', 'v', 'EX', 10]`. */
export type Command = readonly [name: string, ...args: (string | number)[]]

export type SetOptions = {
  /** Expire after this many seconds (positive integer). */
  ex?: number
  /** Expire after this many milliseconds (positive integer). */
  px?: number
  /** Only set when the key does not exist. */
  nx?: boolean
  /** Only set when the key exists. */
  xx?: boolean
  /** Keep the existing TTL. */
  keepTtl?: boolean
  /** Return the previous value (SET … GET). */
  get?: boolean
}

export type ZMember = { member: string; score: number }

export type ZAddOptions = { nx?: boolean; xx?: boolean; gt?: boolean; lt?: boolean; ch?: boolean }

/** A score bound: a number, `'-inf'`, `'+inf'`, or an exclusive bound such as `'(5'`. */
export type ScoreBound = number | string

export type ScanOptions = {
  /** Glob pattern, as Redis MATCH understands it. */
  match?: string
  /** Hint for keys per SCAN call. @default 100 */
  count?: number
}

export type ListEnd = 'LEFT' | 'RIGHT'

export type MessageHandler = (message: string, channel: string) => void

export type Unsubscribe = () => Promise<void>

/**
 * What `track()` reports. `invalidate`: these keys were written (or expired, or deleted) by
 * anyone. `flush`: everything under the prefixes may have gone (FLUSHALL, FLUSHDB). `down`: the
 * channel is lost and writes may go unreported: drop what you cached from Redis and do not
 * trust a copy until `up`.
 */
export type TrackingEvent =
  | { type: 'invalidate'; keys: readonly string[] }
  | { type: 'flush' }
  | { type: 'down' }
  | { type: 'up' }

export type TrackingListener = (event: TrackingEvent) => void

export interface RedisClient {
  readonly driver: DriverName

  // strings
  get(key: string): Promise<string | null>
  /** 'OK' when written, null when NX/XX prevented it; with `get: true`, the previous value. */
  set(key: string, value: string, options?: SetOptions): Promise<string | null>
  mget(keys: readonly string[]): Promise<(string | null)[]>
  mset(entries: Readonly<Record<string, string>>): Promise<'OK'>
  getdel(key: string): Promise<string | null>
  incr(key: string): Promise<number>
  incrby(key: string, increment: number): Promise<number>
  decr(key: string): Promise<number>
  del(...keys: string[]): Promise<number>
  unlink(...keys: string[]): Promise<number>
  exists(...keys: string[]): Promise<number>

  // expiry
  expire(key: string, seconds: number): Promise<number>
  pexpire(key: string, milliseconds: number): Promise<number>
  /** -2 when the key does not exist, -1 when it has no expiry. */
  ttl(key: string): Promise<number>
  pttl(key: string): Promise<number>
  persist(key: string): Promise<number>

  // hashes
  hset(key: string, fields: Readonly<Record<string, string>>): Promise<number>
  hget(key: string, field: string): Promise<string | null>
  /** `{}` for a missing key. */
  hgetall(key: string): Promise<Record<string, string>>
  hdel(key: string, ...fields: string[]): Promise<number>
  hincrby(key: string, field: string, increment: number): Promise<number>

  // sets
  sadd(key: string, ...members: string[]): Promise<number>
  srem(key: string, ...members: string[]): Promise<number>
  smembers(key: string): Promise<string[]>
  sismember(key: string, member: string): Promise<number>
  scard(key: string): Promise<number>

  // sorted sets
  zadd(key: string, members: readonly ZMember[], options?: ZAddOptions): Promise<number>
  zincrby(key: string, increment: number, member: string): Promise<number>
  /** Members by rank; `rev` for highest first. */
  zrange(key: string, start: number, stop: number, options?: { rev?: boolean }): Promise<string[]>
  zrangeWithScores(
    key: string,
    start: number,
    stop: number,
    options?: { rev?: boolean },
  ): Promise<ZMember[]>
  zrem(key: string, ...members: string[]): Promise<number>
  zscore(key: string, member: string): Promise<number | null>
  /** Rank from lowest (or highest with `rev`); null when absent. */
  zrank(key: string, member: string, options?: { rev?: boolean }): Promise<number | null>
  zcard(key: string): Promise<number>
  zcount(key: string, min: ScoreBound, max: ScoreBound): Promise<number>
  zremrangebyscore(key: string, min: ScoreBound, max: ScoreBound): Promise<number>

  // lists
  lpush(key: string, ...values: string[]): Promise<number>
  rpush(key: string, ...values: string[]): Promise<number>
  lpop(key: string): Promise<string | null>
  rpop(key: string): Promise<string | null>
  lrange(key: string, start: number, stop: number): Promise<string[]>
  llen(key: string): Promise<number>
  lmove(source: string, destination: string, from: ListEnd, to: ListEnd): Promise<string | null>
  ltrim(key: string, start: number, stop: number): Promise<'OK'>
  lrem(key: string, count: number, value: string): Promise<number>

  /**
   * Every key matching `match`, in batches, on every master of a cluster.
   * SCAN may return a key more than once; callers must tolerate duplicates.
   */
  scan(options?: ScanOptions): AsyncIterable<string[]>

  // scripts
  eval(
    script: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>
  evalsha(
    sha1: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>
  scriptLoad(script: string): Promise<string>

  /**
   * Several commands in one round trip (not a transaction). Resolves with one reply per
   * command; rejects with a `RedisError` (code `E_PIPELINE`) naming the first failed index.
   * On a cluster, commands may span slots; the driver splits them per node.
   */
  pipeline(commands: readonly Command[]): Promise<unknown[]>

  /** Any command, reply as RESP2 normalised above. The escape hatch for what the interface lacks. */
  call(command: Command): Promise<unknown>

  // pub/sub
  publish(channel: string, message: string): Promise<number>
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>

  /**
   * Server-assisted invalidation (Redis client-side caching, `CLIENT TRACKING` in BCAST mode):
   * calls `listener` for every write to a key that starts with one of `prefixes`, by anyone.
   * Resolves once tracking is on. Rejects with `E_UNSUPPORTED` where the driver or server has
   * no tracking (the upstash driver: REST cannot push), so callers fall back to their own
   * invalidation messages or a staleness bound. Optional for a team's own clients.
   */
  track?(prefixes: readonly string[], listener: TrackingListener): Promise<Unsubscribe>

  ping(): Promise<string>
  /** Closes connections and subscriptions. Further calls fail. */
  close(): Promise<void>
}

export type BreakerState = 'closed' | 'open' | 'half-open'

export type QuotaUsage = {
  /** UTC day, `YYYY-MM-DD`. */
  day: string
  commands: number
  quota: number
  share: number
}

export type ClientStats = {
  /** Commands sent (a pipeline counts each command). */
  commands: number
  /** Calls that failed: timeouts, connection errors, open breaker, server errors. */
  errors: number
  /** getCache hits and misses through this client; corrupt values count as misses too. */
  hits: number
  misses: number
  corrupt: number
  /** hits / (hits + misses); 0 before the first read. */
  hitRate: number
  /** Hit rate of the last complete window of `hitRateWindow` reads; undefined before one. */
  windowHitRate: number | undefined
  /** `windowHitRate > hitRateThreshold` (true until a window is complete). */
  isHealthy: boolean
  /** Commands sent today (UTC), for quotas such as Upstash's daily request limit. */
  today: { day: string; commands: number }
}

export type ClientEvents = {
  /** A call failed. Emitted for every failure, after retries; never thrown from the emitter. */
  error: { error: Error; command: string }
  'breaker:open': { failures: number }
  'breaker:half-open': Record<string, never>
  'breaker:close': Record<string, never>
  /** The daily command counter crossed `quotaWarningShare` of `dailyCommandQuota`. */
  quota: QuotaUsage
  /** A window of cache reads hit at or below `hitRateThreshold`, after one above it. */
  hitrate: { hitRate: number; threshold: number; reads: number }
}

/** What every hotpath driver returns: the seam plus events, breaker state and stats. */
export interface ManagedRedisClient extends RedisClient {
  /** Always present on hotpath's clients; rejects with `E_UNSUPPORTED` on the upstash driver. */
  track(prefixes: readonly string[], listener: TrackingListener): Promise<Unsubscribe>
  readonly breaker: BreakerState
  on<E extends keyof ClientEvents>(
    event: E,
    listener: (payload: ClientEvents[E]) => void,
  ): () => void
  stats(): ClientStats
}
