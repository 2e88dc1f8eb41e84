import type { InternalKeys } from './internal-keys'
import { FAILED, type Remote } from './remote'
import type { Scope } from './telemetry'
import { BoundedMap, union } from './util'

/**
 * Tags without a bus: each invalidated tag has one key holding a token that changes on every
 * invalidation. An entry stores the token each of its tags had before its loader ran; a read
 * fetches the current tokens in the same round trip as the value and treats any difference
 * as a miss. Tokens are unique, never counters, so a tag key that expired and is set again
 * cannot come back with an old value and revive an old entry.
 *
 * Tag keys expire after `tagRetention`, and an entry that carries tags is written with a
 * Redis TTL that ends no later than `tagRetention` after its tokens were read. So by the time
 * a tag key disappears, every entry that could have seen an older state of it is gone too.
 */

/** Tolerated clock difference between instances, for the check on tags a loader adds. */
export const CLOCK_SKEW_MS = 1000

export function newTagToken(now = Date.now()): string {
  return `${now.toString(36)}.${Math.random().toString(36).slice(2, 10)}`
}

/** Epoch ms at which the token was issued; 0 for a token this version did not write. */
export function tagTokenTime(token: string): number {
  const dot = token.indexOf('.')
  const time = Number.parseInt(dot < 0 ? token : token.slice(0, dot), 36)
  return Number.isFinite(time) ? time : 0
}

/** Tag name → current token, as read from Redis (`''` for a tag never invalidated). */
export type Tokens = Map<string, string>

/** The tokens of a read without tags; never mutated (every site that adds tokens copies). */
export const EMPTY_TOKENS: Tokens = new Map()

const HINTS_MAX = 10_000

/**
 * Tag keys, token reads and invalidation, plus the tags a loader attached to a key ("hints"),
 * so the next read of that key fetches their tokens in its one round trip instead of two.
 */
export class TagTokens {
  readonly #remote: Remote
  readonly #keys: InternalKeys
  readonly #retentionMs: number
  readonly #hints = new BoundedMap<string, readonly string[]>(HINTS_MAX)
  readonly #tagKeys = new BoundedMap<string, string>(HINTS_MAX)

  constructor(remote: Remote, keys: InternalKeys, retentionMs: number) {
    this.#remote = remote
    this.#keys = keys
    this.#retentionMs = retentionMs
  }

  get retentionMs(): number {
    return this.#retentionMs
  }

  /** The Redis key of a tag's token. Throws what the registry throws for a tag it refuses. */
  keyOf(tag: string): string {
    // Built once per tag: a key through the registry (escaping, prefix) costs more than the
    // rest of a tagged hit's bookkeeping.
    let key = this.#tagKeys.get(tag)
    if (key === undefined) {
      key = this.#keys.cacheTag({ tag }).key
      this.#tagKeys.set(tag, key)
    }
    return key
  }

  /** The tags to read with `key`: the call's own plus any a loader attached last time. */
  tagsFor(key: string, tags: readonly string[]): readonly string[] {
    // no lookup while no loader has chosen tags (the common case)
    return this.#hints.size === 0 ? tags : union(tags, this.#hints.get(key))
  }

  /** Read `tags` with `key` from now on (a loader chose them; the caller does not know them). */
  hint(key: string, tags: readonly string[]): void {
    this.#hints.set(key, tags)
  }

  /** Adds the current tokens of `tags` to `tokens`; false when Redis failed (reported). */
  async fetch(scope: Scope | undefined, tags: readonly string[], tokens: Tokens): Promise<boolean> {
    let keys: string[]
    try {
      keys = tags.map((tag) => this.keyOf(tag))
    } catch (error) {
      this.#remote.report(scope, 'read', error)
      return false
    }
    const replies = await this.#remote.mget(scope, keys)
    if (replies === FAILED) return false
    tags.forEach((tag, index) => {
      tokens.set(tag, replies[index] ?? '')
    })
    return true
  }

  /** One SET per tag in one round trip; false when Redis failed (reported). */
  async invalidate(tags: readonly string[]): Promise<boolean> {
    const token = newTagToken()
    const px = Math.ceil(this.#retentionMs)
    return this.#remote.attempt(
      undefined,
      'invalidateTags',
      async (redis) => {
        await redis.pipeline(tags.map((tag) => ['SET', this.keyOf(tag), token, 'PX', px] as const))
        return true
      },
      false,
    )
  }
}
