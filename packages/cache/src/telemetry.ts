import { type CacheEventName, CacheEvents, type CacheListener } from './events'
import { type CacheStats, StatsRecorder } from './stats'

export const DEFAULT_NAMESPACE = 'default'

/** What a counted read or a failure is about: a key and its registry namespace. */
export type Scope = { readonly key: string; readonly namespace: string }

export type MissReason = 'absent' | 'expired' | 'invalidated' | 'invalid' | 'error' | 'no-redis'

/** Stats and events together, so every counted outcome is reported the same way. */
export class Telemetry {
  readonly #stats = new StatsRecorder()
  readonly #events: CacheEvents

  constructor(debug: boolean) {
    this.#events = new CacheEvents(debug)
  }

  get events(): CacheEvents {
    return this.#events
  }

  hit(scope: Scope, tier: 'l1' | 'l2'): void {
    // `hits` is the sum, made by `snapshot`: one count per hit, not two
    this.#stats.add(scope.namespace, tier === 'l1' ? 'l1Hits' : 'l2Hits')
    if (this.#events.wants('hit')) {
      this.#events.emit('hit', { key: scope.key, namespace: scope.namespace, tier })
    }
  }

  stale(scope: Scope): void {
    this.#stats.add(scope.namespace, 'staleServed')
    if (this.#events.wants('stale')) {
      this.#events.emit('stale', { key: scope.key, namespace: scope.namespace })
    }
  }

  miss(scope: Scope, reason: MissReason): void {
    this.#stats.add(scope.namespace, 'misses')
    if (this.#events.wants('miss')) {
      this.#events.emit('miss', { key: scope.key, namespace: scope.namespace, reason })
    }
  }

  loaderRun(scope: Scope): void {
    this.#stats.add(scope.namespace, 'loaderRuns')
  }

  /** Something failed and is being served around: counted, and reported as an `error` event. */
  fail(scope: Scope | undefined, operation: string, error: unknown): void {
    this.#stats.add(scope?.namespace ?? DEFAULT_NAMESPACE, 'errors')
    this.#events.emit('error', {
      ...(scope ? { key: scope.key, namespace: scope.namespace } : {}),
      operation,
      error,
    })
  }

  stats(): CacheStats {
    return this.#stats.snapshot()
  }

  resetStats(): void {
    this.#stats.reset()
  }

  on<E extends CacheEventName>(name: E, listener: CacheListener<E>): () => void {
    return this.#events.on(name, listener)
  }
}
