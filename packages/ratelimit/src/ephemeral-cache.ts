/**
 * Identifiers known to be blocked, with the unix ms their block ends. Lives in the process:
 * in serverless, create the Ratelimit outside the handler so warm invocations share it.
 * The Map is the user's (as in @upstash/ratelimit), so several instances may share one.
 */
export class EphemeralCache {
  readonly #entries: Map<string, number>
  readonly #maxSize: number

  constructor(entries: Map<string, number>, maxSize = 10_000) {
    this.#entries = entries
    this.#maxSize = maxSize
  }

  /** The block's end, or 0 when the identifier may ask Redis. */
  blockedUntil(id: string, now: number): number {
    const reset = this.#entries.get(id)
    if (reset === undefined) return 0
    if (reset <= now) {
      this.#entries.delete(id)
      return 0
    }
    return reset
  }

  block(id: string, reset: number, now: number): void {
    // An attacker rotating identifiers must not grow the map without bound.
    if (this.#entries.size >= this.#maxSize) this.#sweep(now)
    this.#entries.set(id, reset)
  }

  unblock(id: string): void {
    this.#entries.delete(id)
  }

  /** Every id starting with `prefix`: a changed global limit may admit any of them. */
  unblockAll(prefix: string): void {
    for (const id of this.#entries.keys()) if (id.startsWith(prefix)) this.#entries.delete(id)
  }

  #sweep(now: number): void {
    for (const [id, reset] of this.#entries) if (reset <= now) this.#entries.delete(id)
    // Everyone still blocked: drop the oldest insertions rather than grow.
    const excess = this.#entries.size - Math.floor(this.#maxSize / 2)
    if (excess <= 0) return
    let dropped = 0
    for (const id of this.#entries.keys()) {
      if (dropped++ >= excess) break
      this.#entries.delete(id)
    }
  }
}
