import { type Duration, parseDuration } from '@hotpath/core'
import { type RedisClient, RedisError } from '@hotpath/redis'
import {
  cachedFixedWindow,
  fixedWindow,
  type Limiter,
  plan,
  slidingLogs,
  slidingWindow,
  tokenBucket,
  usageKeys,
  WINDOW,
} from './algorithms'
import {
  type AnalyticsOutcome,
  type AnalyticsPoint,
  type AnalyticsQuery,
  AnalyticsRecorder,
} from './analytics'
import { evalScript, ScriptBatcher } from './batch'
import {
  checkThreshold,
  type DenyCheck,
  downloadIpDenyList,
  type IpDenyListSource,
  Protection,
  updateIpDenyList,
} from './deny-list'
import { EphemeralCache } from './ephemeral-cache'
import { errors, RatelimitError } from './errors'
import { type RatelimitKeys, ratelimitKeys } from './keys'
import { isUpstashSdk, type UpstashRedisLike, type WrappedSdk, wrapUpstashSdk } from './upstash-sdk'

/** The part of a hotpath `RedisClient` this package uses. Any driver satisfies it. */
export type RatelimitRedis = Pick<
  RedisClient,
  'driver' | 'eval' | 'evalsha' | 'get' | 'set' | 'del' | 'pipeline' | 'hgetall'
>

/** What the package runs on: a hotpath client, or an `@upstash/redis` instance wrapped once. */
type Backend = RatelimitRedis | WrappedSdk

export type FailureMode = 'open' | 'closed'

export type AnalyticsOptions = {
  /** How long per-minute counters are kept; a number is ms (deprecated). @default '7 d' */
  retention?: Duration | number
}

export type RatelimitOptions = {
  /**
   * A hotpath Redis client (`createTcpRedis`, `createUpstashRedis`, `createMemoryRedis`), or an
   * `@upstash/redis` instance as `@upstash/ratelimit` takes it (its auto-pipelining is kept).
   */
  redis: RatelimitRedis | UpstashRedisLike
  /** `Ratelimit.fixedWindow(…)`, `.slidingWindow(…)`, `.tokenBucket(…)` or `.slidingLogs(…)`. */
  limiter: Limiter
  /**
   * This limiter's part of the key space, as `@upstash/ratelimit`'s `prefix`: limiters that
   * must not share counters take different ones. Always after the app's `HOTPATH_KEY_PREFIX`
   * (applied by the @hotpath/keys registry, as for every package): `shop:api:rl:fw:…`.
   * @default 'ratelimit'
   */
  prefix?: string
  /**
   * Identifiers known to be blocked are refused without a Redis call until their reset.
   * Pass your own Map to share it, or `false` to disable. @default new Map()
   */
  ephemeralCache?: Map<string, number> | false
  /**
   * How long to wait for Redis before `failureMode` decides: a duration (`'500ms'`, `'5 s'`), or
   * a number of milliseconds as in `@upstash/ratelimit`. 0 waits forever.
   * @default 5000 (ms)
   */
  timeout?: Duration | number
  /**
   * What limit() answers when Redis is down, errors or exceeds `timeout`. `'open'` admits the
   * request (availability first), `'closed'` refuses it (protection first); either way
   * `reason` says why. Open is the default because a rate limiter that takes the site down
   * with Redis is usually the worse outage; choose closed for login, signup, payment and
   * other abuse-sensitive routes. @default 'open'
   */
  failureMode?: FailureMode
  /** Per-minute counters per identifier, written off the request path. @default false */
  analytics?: boolean | AnalyticsOptions
  /**
   * Read a per-identifier limit from Redis (set with `setDynamicLimit`) inside the same script:
   * no extra round trip. @default false
   */
  dynamicLimits?: boolean
  /**
   * Values refused locally without a Redis call: matched against the identifier and the
   * `ip`, `userAgent` and `country` passed to limit(). @default none
   */
  denyList?: Iterable<string> | ((value: string) => boolean)
  /**
   * Check the deny lists stored in Redis (`<prefix>:denyList:all`, as `@upstash/ratelimit`
   * names it: identifiers, IPs, user agents, countries) beside every limit(), in the same
   * round trip over HTTP, and keep an IP deny list there, refreshed daily. A denied value is
   * refused locally for a minute after. @default false
   */
  enableProtection?: boolean
  /**
   * With `enableProtection`: an IP is on the IP deny list when at least this many public
   * blocklists (ipsum's levels, 1–8) name it. @default 6
   */
  denyListThreshold?: number
  /**
   * With `enableProtection`: where the IP deny list comes from, read once a day (at 2 AM UTC)
   * by the first limit() that finds it stale. The IPs themselves, a function of the threshold
   * (your file, your mirror), `downloadIpDenyList` (ipsum on GitHub, upstream's only source),
   * or `false` for no IP list (only the entries you add to the set).
   * @default downloadIpDenyList
   */
  ipDenyList?: IpDenyListSource | false
  /** Accepted for `@upstash/ratelimit` compatibility: scripts are always cached (EVALSHA). */
  cacheScripts?: boolean
  /** Accepted for `@upstash/ratelimit` compatibility: hotpath sends no telemetry. */
  enableTelemetry?: boolean
  /**
   * Send the scripts of concurrent limit() calls made in the same microtask turn as one
   * pipeline (one HTTP request over REST). Still at most one round trip per call.
   * @default true for the upstash (HTTP) driver, false for tcp and memory
   */
  autoPipeline?: boolean
}

export type LimitOptions = {
  /** Cost of this request; negative refunds. @default 1 */
  rate?: number
  /**
   * The limit for this call (e.g. from the caller's plan/tier); replaces the limiter's tokens
   * (max tokens for the token bucket). A dynamic limit set in Redis still wins.
   * @default the limiter's
   */
  limit?: number
  ip?: string
  userAgent?: string
  country?: string
  geo?: { ip?: string; country?: string; city?: string; region?: string }
}

export type RatelimitReason = 'timeout' | 'cacheBlock' | 'denyList' | 'error'

export type RatelimitResponse = {
  /** Whether the request may pass. */
  success: boolean
  /** The limit that applied (dynamic and per-call limits included). */
  limit: number
  /** Requests left after this one. */
  remaining: number
  /**
   * Unix ms. Refused: the earliest time the same request would be admitted. Admitted: when the
   * window ends (fixed and sliding window), the next refill (token bucket), or when the
   * oldest logged request leaves the window (sliding log).
   */
  reset: number
  /** Background work (analytics). On edge runtimes pass it to `waitUntil`. Never rejects. */
  pending: Promise<unknown>
  /** Set when Redis was not asked or did not decide. */
  reason?: RatelimitReason
  /** With `reason: 'denyList'`: the value that matched. */
  deniedValue?: string
  /** With `reason: 'timeout' | 'error'`: what went wrong. */
  error?: unknown
}

export type RemainingResponse = { remaining: number; reset: number; limit: number }

const DEFAULTS = {
  prefix: 'ratelimit',
  timeout: 5000,
  failureMode: 'open',
  analytics: false,
  dynamicLimits: false,
  enableProtection: false,
  denyListThreshold: 6,
} as const satisfies Partial<RatelimitOptions>

/** Every option the constructor reads; anything else is a typo that would silently drop a guard. */
const KNOWN_OPTIONS = new Set<string>([
  'redis',
  'limiter',
  'prefix',
  'ephemeralCache',
  'timeout',
  'failureMode',
  'analytics',
  'dynamicLimits',
  'denyList',
  'enableProtection',
  'denyListThreshold',
  'ipDenyList',
  'cacheScripts',
  'enableTelemetry',
  'autoPipeline',
] satisfies (keyof RatelimitOptions)[])

const ANALYTICS_RETENTION: Duration = '7 d'
/** A number is milliseconds, as `@upstash/ratelimit`'s `timeout`: not deprecated. */
const TIMEOUT = { number: 'ms', error: RatelimitError } as const
/** A failed call tells clients to come back soon: Redis may be back in a second. */
const FAILURE_RETRY_MS = 1000

const resolved: Promise<unknown> = Promise.resolve()

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  let id = ''
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0')
  return id
}

function parseReply(
  reply: unknown,
): [allowed: boolean, remaining: number, reset: number, limit: number] {
  if (Array.isArray(reply) && reply.length === 4) {
    const [allowed, remaining, reset, limit] = reply.map(Number)
    if (
      Number.isFinite(allowed) &&
      Number.isFinite(remaining) &&
      Number.isFinite(reset) &&
      Number.isFinite(limit)
    ) {
      return [allowed === 1, remaining as number, reset as number, limit as number]
    }
  }
  throw new RatelimitError(
    errors.E_REPLY_INVALID,
    `The rate limit script answered ${JSON.stringify(reply)}; expected [allowed, remaining, reset, limit]`,
  )
}

const CROSS_SLOT = /CROSSSLOT|non local key|same slot/i

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

class TimeoutSignal {
  constructor(readonly ms: number) {}
}

/**
 * Rate limiting with one Redis round trip per limit(), API-compatible with @upstash/ratelimit.
 *
 * @example
 * const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(10, '10 s') })
 * const { success } = await ratelimit.limit(userId)
 */
export class Ratelimit {
  static fixedWindow = fixedWindow
  static cachedFixedWindow = cachedFixedWindow
  static slidingWindow = slidingWindow
  static tokenBucket = tokenBucket
  static slidingLogs = slidingLogs

  readonly limiter: Limiter
  readonly prefix: string
  readonly failureMode: FailureMode
  readonly timeout: number
  readonly #redis: Backend
  readonly #keys: RatelimitKeys['keys']
  readonly #cache: EphemeralCache | undefined
  readonly #analytics: AnalyticsRecorder | undefined
  readonly #dynamicLimits: boolean
  /** Set on a Cluster, where the global limit key is in another slot than the identifier's. */
  #globalByValue = false
  readonly #denied: ((value: string) => boolean) | undefined
  readonly #batcher: ScriptBatcher | undefined
  readonly #protection: Protection | undefined
  /** cachedFixedWindow: used tokens per identifier and window, as this process last knew. */
  readonly #counts = new Map<string, number>()
  readonly #ipSource: IpDenyListSource
  readonly enableProtection: boolean
  readonly denyListThreshold: number

  constructor(options: RatelimitOptions) {
    // an explicit `undefined` means "the default", as in @upstash/ratelimit
    const given = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    ) as RatelimitOptions
    const config = { ...DEFAULTS, ...given } satisfies RatelimitOptions
    for (const name of Object.keys(config)) {
      if (!KNOWN_OPTIONS.has(name)) {
        throw new RatelimitError(
          errors.E_OPTION_UNKNOWN,
          `Ratelimit does not know the option ${JSON.stringify(name)}; known: ${[...KNOWN_OPTIONS].join(', ')}`,
        )
      }
    }
    if (!config.redis || typeof config.redis.evalsha !== 'function') {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        'Ratelimit needs `redis`: a hotpath RedisClient or an @upstash/redis instance',
      )
    }
    const redis: Backend = isUpstashSdk(config.redis)
      ? wrapUpstashSdk(config.redis)
      : (config.redis as RatelimitRedis)
    if (!config.limiter || typeof config.limiter.algorithm !== 'string') {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        'Ratelimit needs `limiter`, e.g. Ratelimit.slidingWindow(10, "10 s")',
      )
    }
    if (config.failureMode !== 'open' && config.failureMode !== 'closed') {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        `failureMode must be 'open' or 'closed', got ${JSON.stringify(config.failureMode)}`,
      )
    }
    this.limiter = config.limiter
    this.prefix = config.prefix
    this.failureMode = config.failureMode
    this.timeout = parseDuration(config.timeout, 'timeout', TIMEOUT)
    this.#redis = redis
    this.#keys = ratelimitKeys(config.prefix).keys
    this.#dynamicLimits = config.dynamicLimits
    this.#cache =
      config.ephemeralCache === false
        ? undefined
        : new EphemeralCache(config.ephemeralCache ?? new Map())
    this.#analytics = config.analytics
      ? new AnalyticsRecorder(
          redis,
          this.#keys,
          parseDuration(
            typeof config.analytics === 'object' && config.analytics.retention !== undefined
              ? config.analytics.retention
              : ANALYTICS_RETENTION,
            'analytics.retention',
            WINDOW,
          ),
        )
      : undefined
    // The SDK auto-pipelines on its own, settling each command apart: batching on top of it
    // would only lose the per-call NOSCRIPT fallback.
    this.#batcher =
      redis.driver !== 'upstash-sdk' && (config.autoPipeline ?? redis.driver === 'upstash')
        ? new ScriptBatcher(redis)
        : undefined
    if (config.limiter.algorithm === 'cachedFixedWindow' && !this.#cache) {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        'Ratelimit.cachedFixedWindow keeps its counts in the ephemeral cache: do not pass `ephemeralCache: false`',
      )
    }
    this.enableProtection = config.enableProtection === true
    this.denyListThreshold = checkThreshold(config.denyListThreshold)
    this.#ipSource = config.ipDenyList === false ? [] : (config.ipDenyList ?? downloadIpDenyList)
    this.#protection = this.enableProtection
      ? new Protection(redis, config.prefix, config.ipDenyList !== false)
      : undefined
    const denyList = config.denyList
    if (typeof denyList === 'function') this.#denied = denyList
    else if (denyList) {
      const set = new Set(denyList)
      this.#denied = (value) => set.has(value)
    }
  }

  /**
   * Counts one request (or `rate`) against `identifier`. One Redis round trip; none when the
   * ephemeral cache or the deny list already knows the answer. Never throws for Redis
   * failures: `failureMode` decides and `reason` says so.
   */
  limit = async (identifier: string, options: LimitOptions = {}): Promise<RatelimitResponse> => {
    const now = Date.now()
    checkIdentifier(identifier)
    const rate = options.rate ?? 1
    if (!Number.isInteger(rate)) {
      throw new RatelimitError(errors.E_RATE_INVALID, `rate must be an integer, got ${rate}`)
    }
    const tokens = this.#tokens(options.limit)

    const deniedValue = this.#deniedValue(identifier, options)
    if (deniedValue !== undefined) {
      return this.#record(identifier, 'denied', now, {
        success: false,
        limit: tokens,
        remaining: 0,
        reset: now + this.limiter.windowMs,
        pending: resolved,
        reason: 'denyList',
        deniedValue,
      })
    }

    const protection = this.#protection
    let checking: Promise<DenyCheck> | undefined
    if (protection) {
      const members = definedMembers(identifier, options)
      const cached = protection.cached(members, now)
      if (cached !== undefined) {
        // upstream's answer for a value denied within the last minute
        return this.#record(identifier, 'denied', now, {
          success: false,
          limit: 0,
          remaining: 0,
          reset: 0,
          pending: resolved,
          reason: 'denyList',
          deniedValue: cached,
        })
      }
      // issued with the limit script, so over HTTP both travel in one request
      checking = this.#withTimeout(protection.check(members, now))
      checking.catch(() => {})
    }
    const [response, outcome] = await this.#decide(identifier, now, tokens, rate)
    if (!checking) return this.#record(identifier, outcome, now, response)
    let check: DenyCheck
    try {
      check = await checking
    } catch (error) {
      if (response.reason !== undefined) return this.#record(identifier, outcome, now, response)
      const failed = this.#failure(error, tokens, now)
      return this.#record(identifier, failed.success ? 'allowed' : 'blocked', now, failed)
    }
    if (check.refreshIpList) {
      const refresh = updateIpDenyList(
        this.#redis,
        this.prefix,
        this.denyListThreshold,
        undefined,
        this.#ipSource,
      ).catch((error: unknown) => {
        console.warn('@hotpath/ratelimit: IP deny list refresh failed', error)
      })
      response.pending = Promise.all([response.pending, refresh])
    }
    if (check.deniedValue === undefined) return this.#record(identifier, outcome, now, response)
    response.success = false
    response.remaining = 0
    response.reason = 'denyList'
    response.deniedValue = check.deniedValue
    return this.#record(identifier, 'denied', now, response)
  }

  /** The ephemeral cache, then the script: the answer before protection and analytics. */
  async #decide(
    identifier: string,
    now: number,
    tokens: number,
    rate: number,
  ): Promise<[RatelimitResponse, AnalyticsOutcome]> {
    const cacheId = this.#cacheId(identifier)
    if (this.limiter.algorithm === 'cachedFixedWindow') {
      return this.#cachedFixedWindow(cacheId, identifier, now, tokens, rate)
    }
    if (this.#cache && rate > 0) {
      const reset = this.#cache.blockedUntil(cacheId, now)
      if (reset > 0) {
        return [
          {
            success: false,
            limit: tokens,
            remaining: 0,
            reset,
            pending: resolved,
            reason: 'cacheBlock',
          },
          'blocked',
        ]
      }
    }

    let reply: unknown
    try {
      reply = await this.#run(identifier, now, tokens, rate, false)
    } catch (error) {
      if (error instanceof RatelimitError) throw error
      const response = this.#failure(error, tokens, now)
      return [response, response.success ? 'allowed' : 'blocked']
    }
    const [success, remaining, reset, limit] = parseReply(reply)
    if (this.#cache) {
      if (!success) this.#cache.block(cacheId, reset, now)
      else if (rate < 0) this.#cache.unblock(cacheId)
    }
    return [
      { success, limit, remaining, reset, pending: resolved },
      success ? 'allowed' : 'blocked',
    ]
  }

  async #cachedFixedWindow(
    cacheId: string,
    identifier: string,
    now: number,
    tokens: number,
    rate: number,
  ): Promise<[RatelimitResponse, AnalyticsOutcome]> {
    const bucket = Math.floor(now / this.limiter.windowMs)
    const id = `${cacheId}\u0000${bucket}`
    const reset = (bucket + 1) * this.limiter.windowMs
    const used = this.#counts.get(id)
    if (used !== undefined) {
      if (rate > 0 && used + rate > tokens) {
        const response = {
          success: false,
          limit: tokens,
          remaining: Math.max(0, tokens - used),
          reset,
          pending: resolved,
        }
        return [response, 'blocked']
      }
      this.#counts.set(id, used + rate)
      // Redis learns of it after the answer; a failure there only loses this count
      const pending = this.#run(identifier, now, tokens, rate, false).then(
        () => undefined,
        () => undefined,
      )
      return [
        {
          success: true,
          limit: tokens,
          remaining: Math.max(0, tokens - used - rate),
          reset,
          pending,
        },
        'allowed',
      ]
    }
    let reply: unknown
    try {
      reply = await this.#run(identifier, now, tokens, rate, false)
    } catch (error) {
      if (error instanceof RatelimitError) throw error
      const response = this.#failure(error, tokens, now)
      return [response, response.success ? 'allowed' : 'blocked']
    }
    const [success, remaining, , limit] = parseReply(reply)
    if (this.#counts.size >= 10_000) {
      // only the current window's counts are ever read again
      const current = `\u0000${bucket}`
      for (const key of this.#counts.keys()) if (!key.endsWith(current)) this.#counts.delete(key)
    }
    this.#counts.set(id, limit - remaining)
    return [
      { success, limit, remaining, reset, pending: resolved },
      success ? 'allowed' : 'blocked',
    ]
  }

  /**
   * Calls limit() until it admits the request or `timeout` has passed (a duration, or a number of
   * milliseconds as in `@upstash/ratelimit`), sleeping until each refusal's `reset` in between.
   */
  blockUntilReady = async (
    identifier: string,
    timeout: Duration | number,
  ): Promise<RatelimitResponse> => {
    const deadline = Date.now() + parseDuration(timeout, 'timeout', { ...TIMEOUT, min: 1 })
    for (;;) {
      const response = await this.limit(identifier)
      const now = Date.now()
      if (response.success || response.reason === 'denyList' || now >= deadline) return response
      // reset 0 (a timeout) says nothing about when to retry: poll as upstream does
      const wait = response.reset === 0 ? 100 : Math.min(response.reset, deadline) - now
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)))
    }
  }

  /**
   * What limit() would answer now, without consuming: `remaining` before any request, `reset`
   * as a refused request would see it when nothing is left. Throws `RedisError` when Redis fails.
   */
  getRemaining = async (
    identifier: string,
    options: Pick<LimitOptions, 'limit'> = {},
  ): Promise<RemainingResponse> => {
    checkIdentifier(identifier)
    const reply = await this.#run(identifier, Date.now(), this.#tokens(options.limit), 1, true)
    const [, remaining, reset, limit] = parseReply(reply)
    return { remaining, reset, limit }
  }

  /** Forgets the identifier's usage, in Redis and in the ephemeral cache. */
  resetUsedTokens = async (identifier: string): Promise<void> => {
    checkIdentifier(identifier)
    this.#cache?.unblock(this.#cacheId(identifier))
    for (const key of this.#counts.keys()) {
      if (key.startsWith(`${this.#cacheId(identifier)}\u0000`)) this.#counts.delete(key)
    }
    await this.#redis.del(...usageKeys(this.limiter, this.#keys, identifier, Date.now()))
  }

  /**
   * Sets (or with `false` removes) a dynamic limit, read by the limit script in the same round
   * trip: without `identifier` the global one (`<prefix>:dynamic:global`, as
   * `@upstash/ratelimit`), with it one identifier's, which wins over the global one.
   * Needs `dynamicLimits: true`.
   */
  setDynamicLimit = async (options: {
    limit: number | false
    identifier?: string
  }): Promise<void> => {
    this.#requireDynamicLimits('setDynamicLimit')
    const key = this.#dynamicKey(options.identifier)
    if (options.identifier === undefined) this.#cache?.unblockAll(this.#cacheId(''))
    else this.#cache?.unblock(this.#cacheId(options.identifier))
    if (options.limit === false) {
      await this.#redis.del(key)
      return
    }
    if (!Number.isInteger(options.limit) || options.limit < 0) {
      throw new RatelimitError(
        errors.E_LIMIT_INVALID,
        `A dynamic limit must be a non-negative integer, got ${options.limit}`,
      )
    }
    await this.#redis.set(key, String(options.limit))
  }

  /** The global dynamic limit, or with `identifier` that identifier's; null when unset. */
  getDynamicLimit = async (
    options: { identifier?: string } = {},
  ): Promise<{ dynamicLimit: number | null }> => {
    this.#requireDynamicLimits('getDynamicLimit')
    const value = await this.#redis.get(this.#dynamicKey(options.identifier))
    return { dynamicLimit: value === null ? null : Number(value) }
  }

  #dynamicKey(identifier: string | undefined): string {
    if (identifier === undefined) return this.#keys.globalDynamicLimit().key
    checkIdentifier(identifier)
    return this.#keys.dynamicLimit({ identifier }).key
  }

  /**
   * Per-minute counts per identifier for a chart, oldest first. At most 1440 minutes per call.
   * Needs `analytics` enabled.
   */
  getAnalytics = async (query: AnalyticsQuery = {}): Promise<AnalyticsPoint[]> => {
    if (!this.#analytics) {
      throw new RatelimitError(errors.E_OPTION_INVALID, 'getAnalytics() needs `analytics: true`')
    }
    return this.#analytics.read(query)
  }

  #tokens(limit: number | undefined): number {
    if (limit === undefined) return this.limiter.tokens
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RatelimitError(
        errors.E_LIMIT_INVALID,
        `limit must be a non-negative integer, got ${limit}`,
      )
    }
    return limit
  }

  #cacheId(identifier: string): string {
    return `${this.prefix}\u0000${identifier}`
  }

  #deniedValue(identifier: string, options: LimitOptions): string | undefined {
    const denied = this.#denied
    if (!denied) return undefined
    for (const value of [
      identifier,
      options.ip ?? options.geo?.ip,
      options.userAgent,
      options.country ?? options.geo?.country,
    ]) {
      if (value && denied(value)) return value
    }
    return undefined
  }

  async #run(
    identifier: string,
    now: number,
    tokens: number,
    rate: number,
    peek: boolean,
  ): Promise<unknown> {
    try {
      return await this.#runOnce(identifier, now, tokens, rate, peek)
    } catch (error) {
      // A Cluster refuses a script whose keys span slots before running it, so nothing was
      // counted: from now on the global limit travels by value, read with a GET first.
      if (!this.#dynamicLimits || this.#globalByValue || !CROSS_SLOT.test(messageOf(error))) {
        throw error
      }
      this.#globalByValue = true
      return this.#runOnce(identifier, now, tokens, rate, peek)
    }
  }

  async #runOnce(identifier: string, now: number, tokens: number, rate: number, peek: boolean) {
    const requestId = this.limiter.algorithm === 'slidingLogs' ? randomId() : ''
    const call = plan(this.limiter, this.#keys, identifier, now, requestId)
    const args: (string | number)[] = [tokens, this.limiter.windowMs, now, rate]
    let keys = call.keys
    if (this.#dynamicLimits) {
      const own = this.#keys.dynamicLimit({ identifier }).key
      const global = this.#keys.globalDynamicLimit().key
      if (this.#globalByValue) {
        const value = await this.#redis.get(global)
        keys = [...call.keys, own]
        args.push(peek ? '1' : '0', value === null ? 1 : 5, call.extra)
        if (value !== null) args.push(value)
      } else {
        keys = [...call.keys, own, global]
        args.push(peek ? '1' : '0', 3, call.extra)
      }
    } else {
      // Trailing flags that are off stay unsent (the scripts read a missing one as off): fewer
      // bytes per call over HTTP, where every limit() of a tick shares one request body.
      const needsExtra = this.limiter.algorithm === 'tokenBucket' || requestId !== ''
      if (peek || needsExtra) {
        args.push(peek ? '1' : '0', '0')
        if (needsExtra) args.push(call.extra)
      }
    }
    const running = this.#batcher
      ? this.#batcher.run(call.script, keys, args)
      : evalScript(this.#redis, call.script, keys, args)
    return this.#withTimeout(running)
  }

  /** Rejects with a TimeoutSignal after `timeout` ms, which `#failure` reads as a timeout. */
  async #withTimeout<T>(running: Promise<T>): Promise<T> {
    if (this.timeout === 0) return running
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await Promise.race([
        running,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutSignal(this.timeout)), this.timeout)
        }),
      ])
    } finally {
      clearTimeout(timer)
      // A late failure after the timeout decided must not surface as unhandled.
      running.catch(() => {})
    }
  }

  #failure(error: unknown, tokens: number, now: number): RatelimitResponse {
    const timedOut =
      error instanceof TimeoutSignal || (error instanceof RedisError && error.code === 'E_TIMEOUT')
    return {
      success: this.failureMode === 'open',
      // A timeout answers as @upstash/ratelimit does (nothing is known: limit and reset 0);
      // an error, which upstream throws, tells clients to come back soon.
      limit: timedOut ? 0 : tokens,
      remaining: 0,
      reset: timedOut ? 0 : now + FAILURE_RETRY_MS,
      pending: resolved,
      reason: timedOut ? 'timeout' : 'error',
      error:
        error instanceof TimeoutSignal
          ? new RedisError(
              'E_TIMEOUT',
              `Redis did not answer the rate limit script within ${error.ms} ms`,
            )
          : error,
    }
  }

  #record(
    identifier: string,
    outcome: 'allowed' | 'blocked' | 'denied',
    now: number,
    response: RatelimitResponse,
  ): RatelimitResponse {
    if (this.#analytics) response.pending = this.#analytics.record(identifier, outcome, now)
    return response
  }

  #requireDynamicLimits(method: string): void {
    if (!this.#dynamicLimits) {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        `dynamicLimits must be enabled in the Ratelimit constructor to use ${method}()`,
      )
    }
  }
}

/** What protection looks up, as upstream: the identifier, ip, user agent and country given. */
function definedMembers(identifier: string, options: LimitOptions): string[] {
  const members = [
    identifier,
    options.ip ?? options.geo?.ip,
    options.userAgent,
    options.country ?? options.geo?.country,
  ]
  return members.filter((member): member is string => typeof member === 'string' && member !== '')
}

function checkIdentifier(identifier: string): void {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new RatelimitError(
      errors.E_IDENTIFIER_INVALID,
      `The identifier must be a non-empty string, got ${JSON.stringify(identifier)}`,
    )
  }
}
