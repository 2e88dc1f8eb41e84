import type { RedisClient } from '@hotpath/redis'
import { type RatelimitKeys, ratelimitKeys } from './keys'
import { isUpstashSdk, type UpstashRedisLike, wrapUpstashSdk } from './upstash-sdk'

export type AnalyticsOutcome = 'allowed' | 'blocked' | 'denied'

/** One identifier's counts in one minute. */
export type AnalyticsPoint = {
  /** Start of the minute, unix ms. */
  time: number
  identifier: string
  allowed: number
  blocked: number
  denied: number
}

export type AnalyticsQuery = {
  /** Unix ms; the minute containing it is the first row. @default now − 60 minutes */
  since?: number
  /** Unix ms; the minute containing it is the last row. @default now */
  until?: number
  /** Only this identifier. @default every identifier */
  identifier?: string
}

export type AnalyticsRedis = Pick<RedisClient, 'pipeline' | 'hgetall'>

const MINUTE = 60_000
/** A chart wider than a day is a dashboard's job; one call reads at most this many hashes. */
export const MAX_ANALYTICS_MINUTES = 1440

const FIELD: Record<AnalyticsOutcome, string> = { allowed: 'a', blocked: 'b', denied: 'd' }

/**
 * Runs `fn` once the current event-loop turn, microtasks included, is done: every limit()
 * answered by one reply has recorded by then. setImmediate where there is one (Node, Bun,
 * Deno); setTimeout(0) elsewhere, which Node would round up to a millisecond per batch.
 */
const afterThisTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0)

/**
 * Per-minute counters, one hash per minute with a field per identifier and outcome.
 * Writes are batched per event-loop turn and sent as one pipeline after limit() has
 * answered: the request path never waits on them (they are in `pending`).
 */
export class AnalyticsRecorder {
  readonly #redis: AnalyticsRedis
  readonly #keys: RatelimitKeys['keys']
  readonly #retentionMs: number
  #batch = new Map<number, Map<string, number>>()
  #flushing: Promise<void> | undefined

  constructor(redis: AnalyticsRedis, keys: RatelimitKeys['keys'], retentionMs: number) {
    this.#redis = redis
    this.#keys = keys
    this.#retentionMs = retentionMs
  }

  record(identifier: string, outcome: AnalyticsOutcome, now: number): Promise<void> {
    const minute = Math.floor(now / MINUTE)
    let fields = this.#batch.get(minute)
    if (!fields) {
      fields = new Map()
      this.#batch.set(minute, fields)
    }
    const field = `${FIELD[outcome]}:${identifier}`
    fields.set(field, (fields.get(field) ?? 0) + 1)
    this.#flushing ??= new Promise<void>((resolve) => afterThisTurn(resolve)).then(() =>
      this.#flush(),
    )
    return this.#flushing
  }

  async #flush(): Promise<void> {
    const batch = this.#batch
    this.#batch = new Map()
    this.#flushing = undefined
    const commands: [string, ...(string | number)[]][] = []
    for (const [minute, fields] of batch) {
      const key = this.#keys.analytics({ minute: String(minute) }).key
      for (const [field, count] of fields) commands.push(['HINCRBY', key, field, count])
      commands.push(['PEXPIRE', key, this.#retentionMs])
    }
    try {
      await this.#redis.pipeline(commands)
    } catch (error) {
      // Analytics must never fail a request; the counts of this batch are lost.
      console.warn('@hotpath/ratelimit: analytics write failed', error)
    }
  }

  async read(query: AnalyticsQuery = {}): Promise<AnalyticsPoint[]> {
    const until = Math.floor((query.until ?? Date.now()) / MINUTE)
    const since = Math.max(
      Math.floor((query.since ?? until * MINUTE - 60 * MINUTE) / MINUTE),
      until - MAX_ANALYTICS_MINUTES + 1,
    )
    const minutes: number[] = []
    for (let m = since; m <= until; m++) minutes.push(m)
    const hashes = await Promise.all(
      minutes.map((m) => this.#redis.hgetall(this.#keys.analytics({ minute: String(m) }).key)),
    )
    const points: AnalyticsPoint[] = []
    hashes.forEach((hash, index) => {
      const time = (minutes[index] ?? 0) * MINUTE
      const byIdentifier = new Map<string, AnalyticsPoint>()
      for (const [field, value] of Object.entries(hash)) {
        const identifier = field.slice(2)
        if (query.identifier !== undefined && identifier !== query.identifier) continue
        let point = byIdentifier.get(identifier)
        if (!point) {
          point = { time, identifier, allowed: 0, blocked: 0, denied: 0 }
          byIdentifier.set(identifier, point)
        }
        const count = Number(value)
        if (field.startsWith('a:')) point.allowed += count
        else if (field.startsWith('b:')) point.blocked += count
        else if (field.startsWith('d:')) point.denied += count
      }
      points.push(...byIdentifier.values())
    })
    return points
  }
}

/** `@upstash/ratelimit`'s analytics event: `success: 'denied'` for the deny list. */
export type AnalyticsEvent = {
  identifier: string
  time: number
  success: boolean | 'denied'
  country?: string
  city?: string
  region?: string
  ip?: string
}

export type AnalyticsGeo = { country?: string; city?: string; region?: string; ip?: string }

/** `{ time, identifier: { true: allowed, false: blocked, denied } }`, upstream's aggregate shape. */
export type AnalyticsAggregate = { time: number } & Record<string, Record<string, number>>

const HOUR = 60 * MINUTE

/**
 * `@upstash/ratelimit`'s `Analytics`, over the per-minute counters a `Ratelimit` with
 * `analytics: true` writes under the same `prefix`. Counts only the identifier (no geo
 * grouping: hotpath stores none) and reads at most the last 1440 minutes per call.
 */
export class Analytics {
  readonly #recorder: AnalyticsRecorder

  constructor(config: { redis: AnalyticsRedis | UpstashRedisLike; prefix?: string }) {
    this.#recorder = new AnalyticsRecorder(
      isUpstashSdk(config.redis) ? wrapUpstashSdk(config.redis) : config.redis,
      ratelimitKeys(config.prefix ?? 'ratelimit').keys,
      7 * 24 * HOUR,
    )
  }

  /** Vercel's `req.geo`, else Cloudflare's `request.cf`, else nothing. */
  extractGeo(req: { geo?: AnalyticsGeo; cf?: AnalyticsGeo }): AnalyticsGeo {
    return req.geo ?? req.cf ?? {}
  }

  record(event: AnalyticsEvent): Promise<void> {
    const outcome = event.success === 'denied' ? 'denied' : event.success ? 'allowed' : 'blocked'
    return this.#recorder.record(event.identifier, outcome, event.time)
  }

  /** Allowed and blocked per identifier since `cutoff` (unix ms). */
  async getUsage(cutoff = 0): Promise<Record<string, { success: number; blocked: number }>> {
    const usage: Record<string, { success: number; blocked: number }> = {}
    for (const point of await this.#recorder.read({ since: Math.max(cutoff, 0) })) {
      const entry = usage[point.identifier] ?? { success: 0, blocked: 0 }
      usage[point.identifier] = entry
      entry.success += point.allowed
      entry.blocked += point.blocked + point.denied
    }
    return usage
  }

  /** One aggregate per hour for the last `timestampCount` hours, grouped by identifier. */
  async getUsageOverTime(
    timestampCount: number,
    _groupby: 'identifier' = 'identifier',
  ): Promise<AnalyticsAggregate[]> {
    const now = Date.now()
    const firstHour = Math.floor(now / HOUR) - Math.max(1, timestampCount) + 1
    const buckets = new Map<number, AnalyticsAggregate>()
    for (let h = firstHour; h * HOUR <= now; h++)
      buckets.set(h, { time: h * HOUR } as AnalyticsAggregate)
    for (const point of await this.#recorder.read({ since: firstHour * HOUR, until: now })) {
      const bucket = buckets.get(Math.floor(point.time / HOUR))
      if (!bucket) continue
      const counts = (bucket[point.identifier] ?? { true: 0, false: 0, denied: 0 }) as Record<
        string,
        number
      >
      bucket[point.identifier] = counts
      counts.true = (counts.true ?? 0) + point.allowed
      counts.false = (counts.false ?? 0) + point.blocked
      counts.denied = (counts.denied ?? 0) + point.denied
    }
    return [...buckets.values()]
  }

  /** The identifiers most allowed, blocked and denied over the last `timestampCount` hours. */
  async getMostAllowedBlocked(timestampCount: number, getTop = 5, _checkAtMost?: number) {
    const since = Date.now() - Math.max(1, timestampCount) * HOUR
    const totals = new Map<string, { allowed: number; blocked: number; denied: number }>()
    for (const point of await this.#recorder.read({ since })) {
      const total = totals.get(point.identifier) ?? { allowed: 0, blocked: 0, denied: 0 }
      total.allowed += point.allowed
      total.blocked += point.blocked
      total.denied += point.denied
      totals.set(point.identifier, total)
    }
    const top = (field: 'allowed' | 'blocked' | 'denied') =>
      [...totals]
        .filter(([, total]) => total[field] > 0)
        .sort((a, b) => b[1][field] - a[1][field])
        .slice(0, getTop)
        .map(([identifier, total]) => ({ identifier, count: total[field] }))
    return { allowed: top('allowed'), ratelimited: top('blocked'), denied: top('denied') }
  }
}
