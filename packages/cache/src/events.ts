import { checkFunction, invalidArgument } from './arguments'
export type CacheEventMap = {
  /** `tier`: `l1` when the in-process tier answered (no round trip), `l2` when Redis did. */
  hit: { key: string; namespace: string; tier: 'l1' | 'l2' }
  miss: {
    key: string
    namespace: string
    reason: 'absent' | 'expired' | 'invalidated' | 'invalid' | 'error' | 'no-redis'
  }
  stale: { key: string; namespace: string }
  /** A loader ran in this process. `cached` is false for an uncached null or a skipped write. */
  load: { key: string; namespace: string; durationMs: number; cached: boolean }
  /** Something failed and was served around; `operation` names what failed. */
  error: { key?: string; namespace?: string; operation: string; error: unknown }
  invalidate: { tags?: string[]; namespace?: string; keys?: number }
}

export type CacheEventName = keyof CacheEventMap

/** Every event name, checked against the map so a new event cannot be left out. */
const EVENT_NAMES: Record<CacheEventName, true> = {
  hit: true,
  miss: true,
  stale: true,
  load: true,
  error: true,
  invalidate: true,
}
export type CacheListener<E extends CacheEventName> = (event: CacheEventMap[E]) => void

/**
 * A tiny typed emitter rather than node:events, so the cache runs in edge runtimes.
 * A throwing listener is isolated: it must not break the read that emitted the event.
 */
export class CacheEvents {
  readonly #listeners = new Map<CacheEventName, Set<(event: never) => void>>()
  readonly #debug: boolean
  /** Listeners registered in all: with none (the common case) `wants` answers without a lookup. */
  #listening = 0

  constructor(debug: boolean) {
    this.#debug = debug
  }

  on<E extends CacheEventName>(name: E, listener: CacheListener<E>): () => void {
    if (typeof name !== 'string' || !Object.hasOwn(EVENT_NAMES, name)) {
      throw invalidArgument('on() event', Object.keys(EVENT_NAMES).join(', '), name)
    }
    checkFunction(listener, 'on() listener')
    let set = this.#listeners.get(name)
    if (!set) {
      set = new Set()
      this.#listeners.set(name, set)
    }
    const added = listener as (event: never) => void
    if (!set.has(added)) {
      set.add(added)
      this.#listening++
    }
    return () => {
      if (set.delete(added)) this.#listening--
    }
  }

  emit<E extends CacheEventName>(name: E, event: CacheEventMap[E]): void {
    if (this.#debug) console.debug(`[hotpath:cache] ${label(name, event)}`, describe(event))
    const set = this.#listeners.get(name)
    if (!set) return
    for (const listener of set) {
      try {
        ;(listener as CacheListener<E>)(event)
      } catch {}
    }
  }

  /** True when someone listens or debug logging is on; lets the hot path skip building events. */
  wants(name: CacheEventName): boolean {
    if (this.#debug) return true
    return this.#listening > 0 && (this.#listeners.get(name)?.size ?? 0) > 0
  }
}

/** `HIT l1` / `HIT l2` for hits, so a debug log shows at a glance which tier answered. */
function label(name: CacheEventName, event: object): string {
  return name === 'hit' ? `HIT ${(event as CacheEventMap['hit']).tier}` : name
}

function describe(event: object): string {
  return Object.entries(event)
    .map(([field, value]) => {
      if (value instanceof Error) return `${field}=${value.name}: ${value.message}`
      return `${field}=${typeof value === 'string' ? value : JSON.stringify(value)}`
    })
    .join(' ')
}
