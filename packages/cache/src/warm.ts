import {
  checkCacheKey,
  checkFunction,
  checkOptions,
  invalidArgument,
  invalidOption,
} from './arguments'
import { type CacheKey, checkPlanOptions, type GetOrSetOptions, type Loader } from './plan'

export type WarmEntry<T = unknown> = {
  key: CacheKey<T>
  loader: Loader<T>
  options?: GetOrSetOptions<T>
}

export type WarmOptions = {
  /**
   * Loaders run at the same time at most.
   * @default 4
   */
  concurrency?: number
  /**
   * Load and write even when a fresh value is cached.
   * @default false
   */
  force?: boolean
  onProgress?: (progress: { done: number; total: number; key: string; ok: boolean }) => void
}

export type WarmResult = {
  /** Entries whose loader ran. */
  loaded: number
  /** Entries that were already fresh. */
  fresh: number
  failed: { key: string; error: unknown }[]
}

/** How warming reaches the cache: through getOrSet, or straight to a load when forced. */
export type WarmTarget = {
  getOrSet<T>(key: CacheKey<T>, loader: Loader<T>, options?: GetOrSetOptions<T>): Promise<T>
  reload<T>(key: CacheKey<T>, loader: Loader<T>, options?: GetOrSetOptions<T>): Promise<T>
}

/**
 * Fills the cache ahead of traffic, `concurrency` loaders at a time. A failing loader is
 * reported in `failed`, never thrown; malformed entries or options reject before any runs.
 */
export async function warm(
  target: WarmTarget,
  entries: readonly WarmEntry[],
  options: WarmOptions,
): Promise<WarmResult> {
  checkWarm(entries, options)
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4))
  const result: WarmResult = { loaded: 0, fresh: 0, failed: [] }
  let next = 0
  let done = 0
  const worker = async () => {
    for (;;) {
      const entry = entries[next++]
      if (!entry) return
      const key = typeof entry.key === 'string' ? entry.key : entry.key.key
      let ran = false
      const loader: Loader<unknown> = (ctx) => {
        ran = true
        return entry.loader(ctx)
      }
      let ok = true
      try {
        if (options.force) await target.reload(entry.key, loader, entry.options)
        else await target.getOrSet(entry.key, loader, entry.options)
        if (ran) result.loaded++
        else result.fresh++
      } catch (error) {
        ok = false
        result.failed.push({ key, error })
      }
      done++
      options.onProgress?.({ done, total: entries.length, key, ok })
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker))
  return result
}

function checkWarm(entries: readonly WarmEntry[], options: WarmOptions): void {
  if (!Array.isArray(entries)) throw invalidArgument('warm() entries', 'an array', entries)
  for (const [index, entry] of entries.entries()) {
    if (typeof entry !== 'object' || entry === null) {
      throw invalidArgument(`warm() entry ${index}`, 'an object with key and loader', entry)
    }
    checkCacheKey(entry.key, `warm() entry ${index} key`)
    checkFunction(entry.loader, `warm() entry ${index} loader`)
    if (entry.options !== undefined) checkPlanOptions(entry.options)
  }
  checkOptions(options, 'warm() options')
  const { concurrency, onProgress } = options
  if (concurrency !== undefined && !(typeof concurrency === 'number' && concurrency >= 1)) {
    throw invalidOption('warm() concurrency', 'a number of at least 1', concurrency)
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidOption('warm() onProgress', 'a function', onProgress)
  }
}
