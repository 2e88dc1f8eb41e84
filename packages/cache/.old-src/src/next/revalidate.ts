import { checkOptions, checkTagsArgument, invalidArgument, invalidOption } from '../arguments'
import type { Cache } from '../cache'

export type RevalidateOptions = {
  /**
   * Next's cache-life profile for `revalidateTag(tag, profile)`: `'max'` serves stale while
   * Next regenerates; `{ expire: 0 }` expires at once.
   * @default 'max'
   */
  profile?: string | { expire?: number }
  /**
   * Next's `revalidateTag`. Injectable for tests and for code outside a Next request.
   * @default revalidateTag from 'next/cache'
   */
  revalidateTag?: (tag: string, profile: string | { expire?: number }) => void
}

/**
 * Invalidates hotpath tags and Next's tags of the same names together, e.g. in a server
 * action after a write: `await revalidateTags(cache, ['products'])`. The hotpath side goes
 * first, so a Next regeneration triggered by the revalidation reads fresh data.
 * Returns whether the hotpath invalidation reached Redis.
 */
export async function revalidateTags(
  cache: Pick<Cache, 'invalidateTags'>,
  tags: readonly string[],
  options: RevalidateOptions = {},
): Promise<boolean> {
  if (typeof (cache as Partial<Cache> | null)?.invalidateTags !== 'function') {
    throw invalidArgument('revalidateTags() cache', 'a Cache from createCache()', cache)
  }
  checkTagsArgument(tags, 'revalidateTags() tags')
  checkOptions(options, 'revalidateTags() options')
  if (options.revalidateTag !== undefined && typeof options.revalidateTag !== 'function') {
    throw invalidOption('revalidateTags() revalidateTag', 'a function', options.revalidateTag)
  }
  const ok = await cache.invalidateTags(tags)
  const revalidate = options.revalidateTag ?? (await import('next/cache')).revalidateTag
  const profile = options.profile ?? 'max'
  for (const tag of tags) revalidate(tag, profile)
  return ok
}
