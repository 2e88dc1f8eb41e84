import { union } from '../util'
import { createHandlerContext, entryTtlMs, type NextHandlerOptions } from './options'
import { isExpired, isStale, type TagState } from './tag-manifest'

/** Mirrors Next 16's `CacheEntry` (next/dist/server/lib/cache-handlers/types). */
export type UseCacheEntry = {
  value: ReadableStream<Uint8Array>
  tags: string[]
  stale: number
  timestamp: number
  expire: number
  revalidate: number
}

/** Mirrors Next 16's `CacheHandler` for `cacheHandlers` ('use cache'). */
export type UseCacheHandler = {
  get(cacheKey: string, softTags: string[]): Promise<undefined | UseCacheEntry>
  set(cacheKey: string, pendingEntry: Promise<UseCacheEntry>): Promise<void>
  refreshTags(): Promise<void>
  getExpiration(tags: string[]): Promise<number>
  updateTags(tags: string[], durations?: { expire?: number }): Promise<void>
}

type Stored = Omit<UseCacheEntry, 'value'> & { body: string }

/**
 * A `cacheHandlers` handler for `'use cache'` over any hotpath driver. Tags (the entry's and
 * Next's implicit soft tags) are checked in Redis on every read, in the same round trip as
 * the entry, so a revalidation in one instance is seen by all; that is why `getExpiration`
 * answers `Infinity` and `refreshTags` has nothing to do.
 *
 * @example
 * // use-cache-handler.mjs, referenced from next.config `cacheHandlers: { default: … }`
 * export default createUseCacheHandler({ redis: createRedis() })
 */
export function createUseCacheHandler(options: NextHandlerOptions): UseCacheHandler {
  const context = createHandlerContext(options)
  const { redis, manifest, keys } = context
  // Only while a set is in flight; never holds Next's own promise or stream.
  const pending = new Map<string, Promise<void>>()
  // Tags of entries this process saw, so the next read fetches them in its one round trip.
  const knownTags = new Map<string, readonly string[]>()
  const keyOf = (cacheKey: string) => keys.nextUseCache({ key: cacheKey }).key

  return {
    async get(cacheKey, softTags) {
      await pending.get(cacheKey)
      if (!redis || !manifest) return undefined
      try {
        const tags = union(softTags, knownTags.get(cacheKey))
        const replies = await redis.pipeline([
          ['GET', keyOf(cacheKey)],
          ...manifest.readCommands(tags),
        ])
        const raw = replies[0]
        if (typeof raw !== 'string') return undefined
        const states = new Map<string, TagState>()
        manifest.absorb(tags, replies.slice(1), states)
        const stored = JSON.parse(raw) as Stored
        // A negative expire is Next's eviction sentinel.
        if (stored.expire < 0) return undefined
        const unknown = stored.tags.filter((tag) => !states.has(tag))
        if (unknown.length > 0) {
          if (knownTags.size > 10_000) knownTags.clear()
          knownTags.set(cacheKey, stored.tags)
          await manifest.read(unknown, states)
        }
        const allTags = [...stored.tags, ...softTags]
        if (isExpired(allTags, states, stored.timestamp)) return undefined
        const bytes = Buffer.from(stored.body, 'base64')
        const { body: _body, ...meta } = stored
        return {
          ...meta,
          // A stale tag serves the entry once more and has Next regenerate it in the background.
          revalidate: isStale(allTags, states, stored.timestamp) ? -1 : stored.revalidate,
          value: new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new Uint8Array(bytes))
              controller.close()
            },
          }),
        }
      } catch (error) {
        context.onError(error, 'get')
        return undefined
      }
    },

    async set(cacheKey, pendingEntry) {
      let done: () => void = () => {}
      pending.set(
        cacheKey,
        new Promise<void>((resolve) => {
          done = resolve
        }),
      )
      try {
        const entry = await pendingEntry
        // expire 0 marks a dynamic entry Next never serves from the cache.
        if (entry.expire === 0) return
        const body = Buffer.from(await new Response(entry.value).arrayBuffer()).toString('base64')
        if (!redis) return
        const stored: Stored = {
          tags: entry.tags,
          stale: entry.stale,
          timestamp: entry.timestamp,
          expire: entry.expire,
          revalidate: entry.revalidate,
          body,
        }
        await redis.set(keyOf(cacheKey), JSON.stringify(stored), {
          px: entryTtlMs(context, entry.expire),
        })
        if (entry.tags.length > 0) knownTags.set(cacheKey, entry.tags)
      } catch (error) {
        // A stream that errored mid-way leaves a partial entry: it is dropped, not stored.
        context.onError(error, 'set')
      } finally {
        pending.delete(cacheKey)
        done()
      }
    },

    async refreshTags() {},

    async getExpiration() {
      return Number.POSITIVE_INFINITY
    },

    async updateTags(tags, durations) {
      if (!manifest) return
      try {
        await manifest.update(tags, durations)
      } catch (error) {
        context.onError(error, 'updateTags')
      }
    },
  }
}
