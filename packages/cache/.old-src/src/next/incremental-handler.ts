import type {
  CacheHandlerContext,
  CacheHandlerValue,
  CacheHandler as NextCacheHandler,
} from 'next/dist/server/lib/incremental-cache'
import { union } from '../util'
import { decodeNextValue, encodeNextValue } from './codec'
import { createHandlerContext, entryTtlMs, type NextHandlerOptions } from './options'
import { isExpired, isStale, type TagState } from './tag-manifest'

/** The header Next writes an app page's or route's tags into. */
const TAGS_HEADER = 'x-next-cache-tags'

type GetContext = Parameters<NextCacheHandler['get']>[1]
type SetContext = Parameters<NextCacheHandler['set']>[2]
type CacheControl = NonNullable<CacheHandlerValue['cacheControl']>

type Stored = {
  lastModified: number
  tags: string[]
  cacheControl?: CacheControl
  value: string
}

/** What next.config `cacheHandler` loads: Next's own `CacheHandler` class shape. */
export type IncrementalCacheHandlerClass = typeof NextCacheHandler

function tagsOfValue(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return []
  const headers = (value as { headers?: Record<string, unknown> }).headers
  const header = headers?.[TAGS_HEADER]
  return typeof header === 'string' && header !== '' ? header.split(',') : []
}

/**
 * The class for next.config `cacheHandler` (ISR pages, app routes, the fetch cache,
 * `unstable_cache`), over any hotpath driver. Next builds one instance per request and
 * passes its context; the Redis client is shared through the closure.
 *
 * Tags are enforced on read against the manifest in Redis: an expired tag makes the entry
 * a miss; a stale tag (a revalidation with durations) returns it with `lastModified: -1`,
 * which Next serves once and regenerates in the background.
 *
 * @example
 * // cache-handler.mjs
 * export default createIncrementalCacheHandler({ redis: createRedis() })
 */
export function createIncrementalCacheHandler(
  options: NextHandlerOptions,
): IncrementalCacheHandlerClass {
  const context = createHandlerContext(options)
  const { redis, manifest, keys } = context
  const keyOf = (cacheKey: string) => keys.nextIncremental({ key: cacheKey }).key

  return class HotpathIncrementalCacheHandler {
    readonly #revalidatedTags: readonly string[]

    constructor(nextContext?: CacheHandlerContext) {
      this.#revalidatedTags = nextContext?.revalidatedTags ?? []
    }

    async get(cacheKey: string, ctx: GetContext): Promise<CacheHandlerValue | null> {
      if (!redis || !manifest) return null
      try {
        const requested =
          'tags' in ctx || 'softTags' in ctx ? union(ctx.tags ?? [], ctx.softTags ?? []) : []
        // A fetch revalidated during this very request must not be served from the cache.
        if (requested.some((tag) => this.#revalidatedTags.includes(tag))) return null
        const replies = await redis.pipeline([
          ['GET', keyOf(cacheKey)],
          ...manifest.readCommands(requested),
        ])
        const raw = replies[0]
        if (typeof raw !== 'string') return null
        const states = new Map<string, TagState>()
        manifest.absorb(requested, replies.slice(1), states)
        const stored = JSON.parse(raw) as Stored
        const unknown = stored.tags.filter((tag) => !states.has(tag))
        await manifest.read(unknown, states)
        const tags = union(stored.tags, requested)
        if (isExpired(tags, states, stored.lastModified)) return null
        return {
          lastModified: isStale(tags, states, stored.lastModified) ? -1 : stored.lastModified,
          value: decodeNextValue<CacheHandlerValue['value']>(stored.value),
          ...(stored.cacheControl ? { cacheControl: stored.cacheControl } : {}),
        }
      } catch (error) {
        context.onError(error, 'get')
        return null
      }
    }

    async set(cacheKey: string, data: CacheHandlerValue['value'], ctx: SetContext): Promise<void> {
      if (!redis) return
      try {
        if (data === null || data === undefined) {
          await redis.del(keyOf(cacheKey))
          return
        }
        const cacheControl = ctx.fetchCache ? undefined : ctx.cacheControl
        const stored: Stored = {
          lastModified: Date.now(),
          tags: ctx.fetchCache ? [...(ctx.tags ?? [])] : tagsOfValue(data),
          value: encodeNextValue(data),
          ...(cacheControl ? { cacheControl } : {}),
        }
        await redis.set(keyOf(cacheKey), JSON.stringify(stored), {
          px: entryTtlMs(context, cacheControl?.expire),
        })
      } catch (error) {
        context.onError(error, 'set')
      }
    }

    async revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void> {
      if (!manifest) return
      try {
        await manifest.update(typeof tags === 'string' ? [tags] : tags, durations)
      } catch (error) {
        context.onError(error, 'revalidateTag')
      }
    }

    resetRequestCache(): void {}
  }
}
