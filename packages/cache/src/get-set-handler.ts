import { parseDuration } from '@hotpath/core'
import { checkTagsArgument } from './arguments'
import type { EntryCodec } from './codec'
import { CacheError, errors } from './errors'
import type { InternalKeys } from './internal-keys'
import { IN_SECONDS } from './options'
import { type Loader, type LoaderContext, type Plan, policyOf } from './plan'
import type { Hit, Miss, Read, Reader } from './reader'
import type { Remote } from './remote'
import { extendScript, releaseScript } from './scripts'
import { CLOCK_SKEW_MS, type TagTokens, type Tokens, tagTokenTime } from './tags'
import type { Telemetry } from './telemetry'
import { race, randomToken, sleep, union } from './util'

/** What a loader's write-back starts from: the tokens read before it ran, and when. */
export type Basis = { tokens: Tokens; at: number; reason?: Miss['reason'] }

type Refresh<T> = { refreshed: true; value: T } | { refreshed: false }

/**
 * What `getOrSet` does with a read: serve it, refresh it in the background, or load it once
 * (per process: one flight per key; across instances: a Redis loader lock the others wait on),
 * then store what was loaded.
 */
export class GetSetHandler {
  readonly #remote: Remote | undefined
  readonly #reader: Reader | undefined
  readonly #tags: TagTokens | undefined
  readonly #codec: EntryCodec
  readonly #keys: InternalKeys
  readonly #telemetry: Telemetry
  /** In-process single flight: concurrent misses of one key share one promise. */
  readonly #flights = new Map<string, Promise<unknown>>()
  readonly #refreshes = new Map<string, Promise<Refresh<unknown>>>()

  constructor(parts: {
    remote: Remote | undefined
    reader: Reader | undefined
    tags: TagTokens | undefined
    codec: EntryCodec
    keys: InternalKeys
    telemetry: Telemetry
  }) {
    this.#remote = parts.remote
    this.#reader = parts.reader
    this.#tags = parts.tags
    this.#codec = parts.codec
    this.#keys = parts.keys
    this.#telemetry = parts.telemetry
  }

  /** The value for a judged read: a hit as is, a stale one while refreshing, a miss loaded. */
  handle<T>(plan: Plan, loader: Loader<T>, read: Read<T>): T | Promise<T> {
    if (read.state === 'fresh') {
      this.#telemetry.hit(plan, read.tier)
      return read.value
    }
    if (read.state === 'stale') {
      this.#telemetry.stale(plan)
      return this.#serveStale(plan, loader, read)
    }
    this.#telemetry.miss(plan, read.reason)
    return this.#bounded(
      plan,
      this.#shared(plan.key, () => this.#loadOnce(plan, loader, read)),
    )
  }

  /** Without Redis: every call is a miss, loaded once per key at a time. */
  passThrough<T>(plan: Plan, loader: Loader<T>): Promise<T> {
    this.#telemetry.miss(plan, 'no-redis')
    const basis = { tokens: new Map(), at: Date.now() }
    return this.#bounded(
      plan,
      this.#shared(plan.key, () => this.load(plan, loader, basis, undefined)),
    )
  }

  #shared<T>(key: string, start: () => Promise<T>): Promise<T> {
    let flight = this.#flights.get(key) as Promise<T> | undefined
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
    const remote = this.#remote as Remote
    const reader = this.#reader as Reader
    if (first.reason === 'error') return this.load(plan, loader, first, undefined)
    const lockKey = this.#keys.cacheLoad({ key: plan.key }).key
    const token = randomToken()
    const policy = policyOf(plan)
    const deadline = Date.now() + policy.lockWaitMs
    let delay = 10
    let last: Read<T> = first
    for (;;) {
      // A failure to take the lock right after a read that worked is likely a slow reply, not
      // an outage: keep waiting (bounded by lockWait) rather than add a loader run.
      if (await remote.takeLock(plan, lockKey, token, Math.ceil(policy.lockTtlMs))) {
        try {
          // Whoever held the lock before us may have just written the value.
          const again = await reader.read<T>(plan)
          if (again.state === 'fresh') return again.value
          return await this.load(
            plan,
            loader,
            again,
            again.state === 'stale' ? again.value : undefined,
          )
        } finally {
          await remote.script(plan, 'unlock', releaseScript, [lockKey], [token])
        }
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        this.#telemetry.events.emit('error', {
          key: plan.key,
          namespace: plan.namespace,
          operation: 'lockWait',
          error: new Error(`gave up waiting ${policy.lockWaitMs} ms for the loader lock`),
        })
        return this.load(plan, loader, last, undefined)
      }
      await sleep(Math.min(left, delay + Math.random() * delay))
      delay = Math.min(delay * 2, 200)
      last = await reader.read<T>(plan)
      if (last.state === 'fresh') return last.value
      if (last.state === 'miss' && last.reason === 'error') {
        return this.load(plan, loader, last, undefined)
      }
    }
  }

  async #serveStale<T>(plan: Plan, loader: Loader<T>, read: Hit<T>): Promise<T> {
    let refresh = this.#refreshes.get(plan.key) as Promise<Refresh<T>> | undefined
    if (!refresh) {
      refresh = this.#refreshOnce(plan, loader, read).finally(() =>
        this.#refreshes.delete(plan.key),
      )
      this.#refreshes.set(plan.key, refresh as Promise<Refresh<unknown>>)
    }
    const soft = policyOf(plan).softTimeoutMs
    if (soft <= 0) return read.value
    const outcome = await race(refresh, soft)
    return outcome.status === 'done' && outcome.value.refreshed ? outcome.value.value : read.value
  }

  /**
   * A background refresh runs in one instance: whoever takes the loader lock. The others keep
   * serving the stale value. After a failure the lock is kept for `graceBackoff`, so a failing
   * source is retried once per backoff across the fleet, not once per request. Never rejects.
   */
  async #refreshOnce<T>(plan: Plan, loader: Loader<T>, read: Hit<T>): Promise<Refresh<T>> {
    const remote = this.#remote as Remote
    const policy = policyOf(plan)
    const lockKey = this.#keys.cacheLoad({ key: plan.key }).key
    const token = randomToken()
    if (!(await remote.takeLock(plan, lockKey, token, Math.ceil(policy.lockTtlMs)))) {
      return { refreshed: false }
    }
    let failed = false
    try {
      const again = await (this.#reader as Reader).read<T>(plan)
      if (again.state === 'fresh') return { refreshed: true, value: again.value }
      const basis = again.state === 'miss' && again.reason === 'error' ? read : again
      const loading = this.load(plan, loader, basis, read.value)
      const value =
        policy.hardTimeoutMs === undefined ? await loading : await this.#bounded(plan, loading)
      return { refreshed: true, value }
    } catch {
      failed = true
      return { refreshed: false }
    } finally {
      if (failed) {
        const holdMs = Math.max(1, Math.ceil(policy.graceBackoffMs))
        await remote.script(plan, 'unlock', extendScript, [lockKey], [token, holdMs])
      } else {
        await remote.script(plan, 'unlock', releaseScript, [lockKey], [token])
      }
    }
  }

  /** Runs the loader once in this process and writes its result. */
  async load<T>(plan: Plan, loader: Loader<T>, basis: Basis, stale: T | undefined): Promise<T> {
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
    this.#telemetry.loaderRun(plan)
    let value: T
    try {
      value = await loader(context)
    } catch (error) {
      this.#telemetry.fail(plan, 'loader', error)
      throw error
    }
    // After a failed read, the write-back would most likely fail too: skipping it keeps a call
    // during an outage at one failed command (one retry cycle) while the breaker learns,
    // instead of two. The next call reads again and stores once Redis answers.
    const cached =
      basis.reason === 'error'
        ? false
        : await this.store(plan, value, ttlMs, tags, basis.tokens, basis.at, startedAt)
    const events = this.#telemetry.events
    if (events.wants('load')) {
      events.emit('load', {
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
  async store(
    plan: Plan,
    value: unknown,
    ttlMs: number,
    tags: readonly string[],
    tokens: Tokens,
    tokensAt: number,
    loadStartedAt: number | undefined,
  ): Promise<boolean> {
    const remote = this.#remote
    const tagTokens = this.#tags
    if (!remote || !tagTokens) return false
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
      if (!(await tagTokens.fetch(plan, missing, tokens))) return false
      const since = (loadStartedAt ?? tokensAt) - CLOCK_SKEW_MS
      if (missing.some((tag) => tagTokenTime(tokens.get(tag) ?? '') >= since)) return false
    }
    const now = Date.now()
    let px = lifeMs + policy.graceMs
    // An entry with tags must be gone before its tags' bookkeeping can expire (see tags.ts).
    if (tags.length > 0) px = Math.min(px, tagTokens.retentionMs - (now - tokensAt))
    px = Math.floor(px)
    if (px < 1) return false
    let raw: string
    try {
      raw = await this.#codec.encode({
        value,
        createdAt: loadStartedAt ?? now,
        expiresAt: now + lifeMs,
        tags: [...tags],
        tokens: tags.map((tag) => tokens.get(tag) ?? ''),
      })
    } catch (error) {
      // a value the serializer refuses is not cached; the caller still gets it
      this.#telemetry.fail(plan, 'write', error)
      return false
    }
    if (!(await remote.set(plan, plan.key, raw, px))) return false
    // The next read of this key, by any caller, fetches these tags' tokens in its one round trip.
    if (tags.length > 0 && union(plan.tags, tags) !== plan.tags) tagTokens.hint(plan.key, tags)
    return true
  }
}
