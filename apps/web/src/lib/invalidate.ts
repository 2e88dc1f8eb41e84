import { revalidateTags } from '@hotpath/cache/next'
import { getCache } from './cache'

/**
 * Invalidation after a server action's write: hotpath's tags (the Redis entries every instance
 * reads) and Next's tags (`'use cache'` entries, in Redis too through the cache handlers)
 * go together, hotpath first, so no layer serves the old value. `expire: 0` because the
 * action redirects to the page it just changed: that read must not be stale.
 */
export async function invalidateEverywhere(tags: string[]): Promise<boolean> {
  return revalidateTags(getCache(), tags, { profile: { expire: 0 } })
}
