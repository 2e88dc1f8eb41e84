import { defineKeys, key } from '@hotpath/keys'

/**
 * Every key the cache writes for its own bookkeeping. Lock and fence share a hash slot
 * (`slot: 'resource'`) because one script touches both; the others are single-key.
 */
export function defineInternalKeys(prefix: string | undefined) {
  return defineKeys(
    {
      /** The current token of a tag: set on invalidation, expires after `tagRetention`. */
      cacheTag: key('cache:tag:{tag}', { description: 'hotpath cache tag token' }),
      /** Held while one instance runs the loader for a key (stampede and refresh lock). */
      cacheLoad: key('cache:load:{key}', { description: 'hotpath cache loader lock' }),
      cacheLock: key('cache:lock:{resource}', { slot: 'resource', description: 'hotpath lock' }),
      cacheFence: key('cache:fence:{resource}', {
        slot: 'resource',
        description: 'hotpath lock fencing counter',
      }),
      /** Next.js tag manifest entry (hash: stale, expired), shared by both Next handlers. */
      nextTag: key('cache:next:tag:{tag}', { description: 'Next.js tag manifest' }),
      /** A Next.js 'use cache' entry. */
      nextUseCache: key('cache:next:use-cache:{key}', { description: "Next.js 'use cache' entry" }),
      /** A Next.js incremental cache entry (ISR page, route, fetch, image). */
      nextIncremental: key('cache:next:isr:{key}', {
        description: 'Next.js incremental cache entry',
      }),
    },
    prefix === undefined ? {} : { prefix },
  )
}

export type InternalKeys = ReturnType<typeof defineInternalKeys>['keys']
