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
