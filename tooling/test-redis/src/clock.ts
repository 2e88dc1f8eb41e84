import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Waits, when the real clock is within `marginMs` of the end of a window of `windowMs`
 * aligned on the epoch (how fixed and sliding windows are cut), until the next window has
 * begun. A test that counts requests against a real-clock window then cannot straddle a
 * boundary, where a fixed window resets and the sliding estimate drops part of the count.
 * Returns the milliseconds waited.
 */
export async function awayFromWindowEdge(windowMs: number, marginMs = 3000): Promise<number> {
  if (marginMs * 2 > windowMs) {
    throw new Error(
      `awayFromWindowEdge: a ${marginMs} ms margin does not fit a ${windowMs} ms window`,
    )
  }
  const left = windowMs - (Date.now() % windowMs)
  if (left > marginMs) return 0
  const wait = left + 5
  await sleep(wait)
  return wait
}
