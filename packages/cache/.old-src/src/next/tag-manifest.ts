import type { RedisClient } from '@hotpath/redis'

/** Per tag: when it went stale and when it expires (epoch ms), as Next's own manifest. */
export type TagState = { stale?: number; expired?: number }

/**
 * Next's tag manifest, kept in Redis so every instance sees every revalidation; Next's
 * built-in one lives in process memory. One hash per revalidated tag, expiring after the
 * retention window; entries are stored for no longer than that window (see the handlers),
 * so a forgotten tag can no longer matter to any entry.
 */
export class TagManifest {
  readonly #redis: RedisClient
  readonly #keyOf: (tag: string) => string
  readonly #retentionMs: number

  constructor(redis: RedisClient, keyOf: (tag: string) => string, retentionMs: number) {
    this.#redis = redis
    this.#keyOf = keyOf
    this.#retentionMs = retentionMs
  }

  get retentionMs(): number {
    return this.#retentionMs
  }

  /** Commands that read `tags`, to put in the same pipeline as the entry read. */
  readCommands(tags: readonly string[]): (readonly [string, ...(string | number)[]])[] {
    return tags.map((tag) => ['HMGET', this.#keyOf(tag), 'stale', 'expired'] as const)
  }

  /** Parses the replies of `readCommands` into `states`. */
  absorb(
    tags: readonly string[],
    replies: readonly unknown[],
    states: Map<string, TagState>,
  ): void {
    tags.forEach((tag, index) => {
      const reply = replies[index]
      const [stale, expired] = Array.isArray(reply) ? reply : []
      const state: TagState = {}
      if (stale !== null && stale !== undefined) state.stale = Number(stale)
      if (expired !== null && expired !== undefined) state.expired = Number(expired)
      states.set(tag, state)
    })
  }

  async read(tags: readonly string[], states: Map<string, TagState>): Promise<void> {
    if (tags.length === 0) return
    this.absorb(tags, await this.#redis.pipeline(this.readCommands(tags)), states)
  }

  /**
   * Next's semantics: without durations a tag expires now; with durations it goes stale now
   * and expires after `expire` seconds when given.
   */
  async update(tags: readonly string[], durations?: { expire?: number }): Promise<void> {
    if (tags.length === 0) return
    const now = Date.now()
    const fields: Record<string, string> = {}
    let keepMs = this.#retentionMs
    if (durations) {
      fields.stale = String(now)
      if (durations.expire !== undefined) {
        fields.expired = String(now + durations.expire * 1000)
        keepMs += durations.expire * 1000
      }
    } else {
      fields.expired = String(now)
    }
    const flat = Object.entries(fields).flat()
    await this.#redis.pipeline(
      tags.flatMap((tag) => [
        ['HSET', this.#keyOf(tag), ...flat] as const,
        ['PEXPIRE', this.#keyOf(tag), Math.ceil(keepMs)] as const,
      ]),
    )
  }
}

/** True when a tag expired after the entry was written and the expiry has come. */
export function isExpired(
  tags: Iterable<string>,
  states: Map<string, TagState>,
  timestamp: number,
  now = Date.now(),
): boolean {
  for (const tag of tags) {
    const expired = states.get(tag)?.expired
    if (expired !== undefined && expired <= now && expired > timestamp) return true
  }
  return false
}

/** True when a tag went stale after the entry was written. */
export function isStale(
  tags: Iterable<string>,
  states: Map<string, TagState>,
  timestamp: number,
): boolean {
  for (const tag of tags) {
    const stale = states.get(tag)?.stale
    if (stale !== undefined && stale > timestamp) return true
  }
  return false
}
