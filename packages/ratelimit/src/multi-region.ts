import { type Duration, parseDuration } from '@hotpath/core'
import { type Command, defineScript, RedisError } from '@hotpath/redis'
import { fixedWindow, type Limiter, slidingWindow, WINDOW } from './algorithms'
import { AnalyticsRecorder } from './analytics'
import { evalScript } from './batch'
import { EphemeralCache } from './ephemeral-cache'
import { errors, RatelimitError } from './errors'
import { ratelimitKeys } from './keys'
import type {
  FailureMode,
  LimitOptions,
  RatelimitRedis,
  RatelimitResponse,
  RemainingResponse,
} from './ratelimit'
import { isUpstashSdk, type UpstashRedisLike, wrapUpstashSdk } from './upstash-sdk'

/*
 * One hash per identifier and window in every region, request id → cost, so regions can be
 * merged without double counting. ARGV: limit, window ms, now, request id, rate, peek.
 * Reply: {allowed 0|1, used (after this request when allowed), id, cost, id, cost, …} with
 * the current window's entries, which the background sync copies to the other regions.
 * As in single-region hotpath, a refused request writes nothing.
 */
const COMMON = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) + 0.0
local now = tonumber(ARGV[3]) + 0.0
local rate = tonumber(ARGV[5])
local peek = ARGV[6] == '1'
local function sum(fields)
  local total = 0
  for i = 2, #fields, 2 do total = total + (tonumber(fields[i]) or 0) end
  return total
end
-- built by one constructor: the memory driver's Lua bridge drops tables filled by assignment
local function reply(allowed, used, fields)
  return {allowed, used, unpack(fields)}
end
`

export const multiRegionFixedWindowScript = defineScript(`${COMMON}
local fields = redis.call('HGETALL', KEYS[1])
local used = sum(fields)
if peek or (rate > 0 and used + rate > limit) then return reply(peek and 1 or 0, used, fields) end
redis.call('HSET', KEYS[1], ARGV[4], rate)
if #fields == 0 then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', window)) end
fields[#fields + 1] = ARGV[4]
fields[#fields + 1] = ARGV[5]
return reply(1, used + rate, fields)
`)

export const multiRegionSlidingWindowScript = defineScript(`${COMMON}
local fields = redis.call('HGETALL', KEYS[1])
local previous = sum(redis.call('HGETALL', KEYS[2]))
-- @upstash/ratelimit's estimate: the previous window weighted by how much of it still overlaps
local used = math.floor((1 - (now % window) / window) * previous) + sum(fields)
if peek or (rate > 0 and used + rate > limit) then return reply(peek and 1 or 0, used, fields) end
redis.call('HSET', KEYS[1], ARGV[4], rate)
if #fields == 0 then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', window * 2 + 1000)) end
fields[#fields + 1] = ARGV[4]
fields[#fields + 1] = ARGV[5]
return reply(1, used + rate, fields)
`)

type RegionRedis = Pick<RatelimitRedis, 'eval' | 'evalsha' | 'pipeline' | 'del' | 'get' | 'set'>

export type MultiRegionRatelimitOptions = {
  /** One client per region: hotpath clients or `@upstash/redis` instances. */
  redis: (RatelimitRedis | UpstashRedisLike)[]
  /** `MultiRegionRatelimit.fixedWindow(…)` or `.slidingWindow(…)`. */
  limiter: Limiter
  /** @default 'ratelimit' */
  prefix?: string
  /** As upstream: none unless you pass a Map. @default none */
  ephemeralCache?: Map<string, number> | false
  /** Milliseconds (or a duration) before `failureMode` decides; 0 waits forever. @default 5000 */
  timeout?: Duration | number
  /** When every region fails: admit (`'open'`) or refuse (`'closed'`). @default 'open' */
  failureMode?: FailureMode
  /** Per-minute counters in the first region. @default false */
  analytics?: boolean
  /** Accepted for compatibility; ignored with a warning, as upstream. @default false */
  dynamicLimits?: boolean
  /** Accepted for `@upstash/ratelimit` compatibility: scripts are always cached. */
  cacheScripts?: boolean
  /** Accepted for `@upstash/ratelimit` compatibility: hotpath sends no telemetry. */
  enableTelemetry?: boolean
}

const KNOWN = new Set<string>([
  'redis',
  'limiter',
  'prefix',
  'ephemeralCache',
  'timeout',
  'failureMode',
  'analytics',
  'dynamicLimits',
  'cacheScripts',
  'enableTelemetry',
] satisfies (keyof MultiRegionRatelimitOptions)[])

type Region = { redis: RegionRedis }
type Reply = { allowed: boolean; used: number; entries: Map<string, string> }

function parse(reply: unknown): Reply {
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new RatelimitError(
      errors.E_REPLY_INVALID,
      `The multi-region script answered ${JSON.stringify(reply)}`,
    )
  }
  const entries = new Map<string, string>()
  for (let i = 2; i + 1 < reply.length; i += 2) entries.set(String(reply[i]), String(reply[i + 1]))
  return { allowed: Number(reply[0]) === 1, used: Number(reply[1]), entries }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  let id = ''
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0')
  return id
}

const resolved: Promise<unknown> = Promise.resolve()

/**
 * `@upstash/ratelimit`'s MultiRegionRatelimit: every region counts on its own; limit() answers
 * with the first region to reply (lowest latency), and in `pending` copies the requests each
 * region missed into it (skipping regions already at the limit). Consistency is eventual: until
 * the sync has run, each region may admit up to the limit, so several regions together can
 * admit more than it. Pass `pending` to `waitUntil` on edge runtimes so the sync completes.
 */
export class MultiRegionRatelimit {
  static fixedWindow(tokens: number, window: Duration | number): Limiter {
    return fixedWindow(tokens, window)
  }

  static slidingWindow(tokens: number, window: Duration | number): Limiter {
    return slidingWindow(tokens, window)
  }

  readonly limiter: Limiter
  readonly prefix: string
  readonly timeout: number
  readonly failureMode: FailureMode
  readonly #regions: Region[]
  readonly #keys: ReturnType<typeof ratelimitKeys>['keys']
  readonly #cache: EphemeralCache | undefined
  readonly #analytics: AnalyticsRecorder | undefined
  readonly #dynamicLimits: boolean

  constructor(options: MultiRegionRatelimitOptions) {
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined && !KNOWN.has(name)) {
        throw new RatelimitError(
          errors.E_OPTION_UNKNOWN,
          `MultiRegionRatelimit does not know the option ${JSON.stringify(name)}; known: ${[...KNOWN].join(', ')}`,
        )
      }
    }
    if (!Array.isArray(options.redis) || options.redis.length === 0) {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        'MultiRegionRatelimit needs `redis`: an array with one client per region',
      )
    }
    const algorithm = options.limiter?.algorithm
    if (algorithm !== 'fixedWindow' && algorithm !== 'slidingWindow') {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        'MultiRegionRatelimit takes MultiRegionRatelimit.fixedWindow(…) or .slidingWindow(…)',
      )
    }
    const failureMode = options.failureMode ?? 'open'
    if (failureMode !== 'open' && failureMode !== 'closed') {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        `failureMode must be 'open' or 'closed', got ${JSON.stringify(failureMode)}`,
      )
    }
    this.limiter = options.limiter
    this.prefix = options.prefix ?? 'ratelimit'
    this.timeout = parseDuration(options.timeout ?? 5000, 'timeout', {
      number: 'ms',
      error: RatelimitError,
    })
    this.failureMode = failureMode
    this.#regions = options.redis.map((redis) => ({
      redis: isUpstashSdk(redis) ? wrapUpstashSdk(redis) : (redis as RatelimitRedis),
    }))
    this.#keys = ratelimitKeys(this.prefix).keys
    this.#cache = options.ephemeralCache ? new EphemeralCache(options.ephemeralCache) : undefined
    const primary = this.#regions[0]?.redis as RatelimitRedis
    this.#analytics = options.analytics
      ? new AnalyticsRecorder(primary, this.#keys, parseDuration('7 d', 'retention', WINDOW))
      : undefined
    this.#dynamicLimits = options.dynamicLimits === true
    if (this.#dynamicLimits) {
      console.warn(
        'Warning: Dynamic limits are not yet supported for multi-region rate limiters. The dynamicLimits option will be ignored.',
      )
    }
  }

  limit = async (identifier: string, options: LimitOptions = {}): Promise<RatelimitResponse> => {
    const now = Date.now()
    checkIdentifier(identifier)
    const rate = options.rate ?? 1
    if (!Number.isInteger(rate)) {
      throw new RatelimitError(errors.E_RATE_INVALID, `rate must be an integer, got ${rate}`)
    }
    const tokens = this.limiter.tokens
    const { keys, reset } = this.#plan(identifier, now)
    if (this.#cache && rate > 0) {
      const blocked = this.#cache.blockedUntil(identifier, now)
      if (blocked > 0) {
        return this.#record(identifier, 'blocked', now, {
          success: false,
          limit: tokens,
          remaining: 0,
          reset: blocked,
          pending: resolved,
          reason: 'cacheBlock',
        })
      }
    }
    const requestId = randomId()
    const args = [tokens, this.limiter.windowMs, now, requestId, rate, '0']
    const requests = this.#regions.map((region) =>
      evalScript(region.redis, this.#script(), keys, args).then(parse),
    )
    for (const request of requests) request.catch(() => {})
    let first: Reply
    try {
      first = await this.#withTimeout(Promise.any(requests))
    } catch (error) {
      const timedOut = error instanceof TimeoutSignal
      return this.#record(identifier, this.failureMode === 'open' ? 'allowed' : 'blocked', now, {
        success: this.failureMode === 'open',
        limit: timedOut ? 0 : tokens,
        remaining: 0,
        reset: timedOut ? 0 : now + 1000,
        pending: resolved,
        reason: timedOut ? 'timeout' : 'error',
        error: error instanceof AggregateError ? error.errors[0] : error,
      })
    }
    const success = first.allowed
    if (this.#cache) {
      if (!success) this.#cache.block(identifier, reset, now)
      else if (rate < 0) this.#cache.unblock(identifier)
    }
    return this.#record(identifier, success ? 'allowed' : 'blocked', now, {
      success,
      limit: tokens,
      remaining: Math.max(0, tokens - first.used),
      reset,
      pending: this.#sync(keys[0] as string, requests),
    })
  }

  blockUntilReady = async (
    identifier: string,
    timeout: Duration | number,
  ): Promise<RatelimitResponse> => {
    const deadline =
      Date.now() +
      parseDuration(timeout, 'timeout', { number: 'ms', min: 1, error: RatelimitError })
    for (;;) {
      const response = await this.limit(identifier)
      const now = Date.now()
      if (response.success || now >= deadline) return response
      const wait = response.reset === 0 ? 100 : Math.min(response.reset, deadline) - now
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)))
    }
  }

  /** From the first region to answer, as upstream. */
  getRemaining = async (identifier: string): Promise<RemainingResponse> => {
    checkIdentifier(identifier)
    const now = Date.now()
    const { keys, reset } = this.#plan(identifier, now)
    const args = [this.limiter.tokens, this.limiter.windowMs, now, '', 0, '1']
    const first = await Promise.any(
      this.#regions.map((region) =>
        evalScript(region.redis, this.#script(), keys, args).then(parse),
      ),
    )
    return {
      remaining: Math.max(0, this.limiter.tokens - first.used),
      reset,
      limit: this.limiter.tokens,
    }
  }

  /** Forgets the identifier's current window in every region. */
  resetUsedTokens = async (identifier: string): Promise<void> => {
    checkIdentifier(identifier)
    this.#cache?.unblock(identifier)
    const { keys } = this.#plan(identifier, Date.now())
    await Promise.all(this.#regions.map((region) => region.redis.del(...keys)))
  }

  setDynamicLimit = async (options: { limit: number | false }): Promise<void> => {
    this.#requireDynamicLimits('setDynamicLimit')
    const key = this.#keys.globalDynamicLimit().key
    const primary = this.#regions[0]?.redis as RegionRedis
    await (options.limit === false ? primary.del(key) : primary.set(key, String(options.limit)))
  }

  getDynamicLimit = async (): Promise<{ dynamicLimit: number | null }> => {
    this.#requireDynamicLimits('getDynamicLimit')
    const primary = this.#regions[0]?.redis as RegionRedis
    const value = await primary.get(this.#keys.globalDynamicLimit().key)
    return { dynamicLimit: value === null ? null : Number(value) }
  }

  #requireDynamicLimits(method: string): void {
    if (!this.#dynamicLimits) {
      throw new RatelimitError(
        errors.E_OPTION_INVALID,
        `dynamicLimits must be enabled in the Ratelimit constructor to use ${method}()`,
      )
    }
  }

  #script() {
    return this.limiter.algorithm === 'fixedWindow'
      ? multiRegionFixedWindowScript
      : multiRegionSlidingWindowScript
  }

  #plan(identifier: string, now: number): { keys: string[]; reset: number } {
    const window = Math.floor(now / this.limiter.windowMs)
    const reset = (window + 1) * this.limiter.windowMs
    if (this.limiter.algorithm === 'fixedWindow') {
      return {
        keys: [this.#keys.multiRegionFixedWindow({ identifier, window: String(window) }).key],
        reset,
      }
    }
    return {
      keys: [
        this.#keys.multiRegionSlidingWindow({ identifier, window: String(window) }).key,
        this.#keys.multiRegionSlidingWindow({ identifier, window: String(window - 1) }).key,
      ],
      reset,
    }
  }

  /**
   * Upstream's region sync: once every region has answered, each region below the limit
   * receives the requests (id → cost) the others admitted and it did not see.
   */
  async #sync(key: string, requests: Promise<Reply>[]): Promise<void> {
    const settled = await Promise.allSettled(requests)
    const all = new Map<string, string>()
    for (const result of settled) {
      if (result.status === 'fulfilled')
        for (const [id, cost] of result.value.entries) all.set(id, cost)
    }
    await Promise.all(
      settled.map(async (result, index) => {
        if (result.status !== 'fulfilled') return
        const mine = result.value
        const used = [...mine.entries.values()].reduce((sum, cost) => sum + Number(cost), 0)
        if (used >= this.limiter.tokens) return
        const missing: string[] = []
        for (const [id, cost] of all) if (!mine.entries.has(id)) missing.push(id, cost)
        if (missing.length === 0) return
        const command: Command = ['HSET', key, ...missing]
        try {
          await this.#regions[index]?.redis.pipeline([command])
        } catch (error) {
          // a region that missed a sync is corrected by the next request's sync
          if (!(error instanceof RedisError)) throw error
        }
      }),
    )
  }

  async #withTimeout<T>(running: Promise<T>): Promise<T> {
    if (this.timeout === 0) return running
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await Promise.race([
        running,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutSignal()), this.timeout)
        }),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  #record(
    identifier: string,
    outcome: 'allowed' | 'blocked',
    now: number,
    response: RatelimitResponse,
  ): RatelimitResponse {
    if (this.#analytics) {
      response.pending = Promise.all([
        response.pending,
        this.#analytics.record(identifier, outcome, now),
      ])
    }
    return response
  }
}

class TimeoutSignal {}

function checkIdentifier(identifier: string): void {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new RatelimitError(
      errors.E_IDENTIFIER_INVALID,
      `The identifier must be a non-empty string, got ${JSON.stringify(identifier)}`,
    )
  }
}
