export type CacheCounters = {
  /** Reads answered with a fresh value: `l1Hits + l2Hits`. */
  hits: number
  /** Fresh hits answered from the in-process L1, without a round trip. */
  l1Hits: number
  /** Fresh hits answered by Redis. */
  l2Hits: number
  /** Reads that found nothing usable (absent, expired, tag-invalidated, failing schema, Redis error). */
  misses: number
  /** Reads answered with a stale value inside its grace window. */
  staleServed: number
  /** Times this process ran a loader. */
  loaderRuns: number
  /** Redis failures and loader failures, all swallowed or served around. */
  errors: number
}

export type CacheStats = Record<string, CacheCounters>

const zero = (): CacheCounters => ({
  hits: 0,
  l1Hits: 0,
  l2Hits: 0,
  misses: 0,
  staleServed: 0,
  loaderRuns: 0,
  errors: 0,
})

/** Counters per registry namespace (the key definition's name; `default` for unregistered keys). */
export class StatsRecorder {
  readonly #byNamespace = new Map<string, CacheCounters>()
  /** The namespace counted last and its counters: a run of hits on one namespace skips the map. */
  #lastNamespace: string | undefined
  #lastCounters: CacheCounters | undefined

  add(namespace: string, counter: Exclude<keyof CacheCounters, 'hits'>, by = 1): void {
    let counters = namespace === this.#lastNamespace ? this.#lastCounters : undefined
    if (!counters) {
      counters = this.#byNamespace.get(namespace)
      if (!counters) {
        counters = zero()
        this.#byNamespace.set(namespace, counters)
      }
      this.#lastNamespace = namespace
      this.#lastCounters = counters
    }
    counters[counter] += by
  }

  snapshot(): CacheStats {
    const out: CacheStats = {}
    for (const [namespace, counters] of this.#byNamespace) {
      out[namespace] = { ...counters, hits: counters.l1Hits + counters.l2Hits }
    }
    return out
  }

  reset(): void {
    this.#byNamespace.clear()
    this.#lastNamespace = undefined
    this.#lastCounters = undefined
  }
}
