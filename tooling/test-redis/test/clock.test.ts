import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { awayFromWindowEdge } from '../src/clock.ts'

describe('awayFromWindowEdge', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('returns at once in the middle of a window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(10 * 60_000 + 30_000)
    expect(await awayFromWindowEdge(60_000, 3000)).toBe(0)
  })

  it('waits until the next window has begun when the edge is near', async () => {
    const window = 400
    // get to 100 ms before a boundary of a short window
    if (window - (Date.now() % window) < 150) await sleep(window - (Date.now() % window) + 10)
    await sleep(window - (Date.now() % window) - 100)
    const before = Math.floor(Date.now() / window)
    const waited = await awayFromWindowEdge(window, 150)
    expect(waited).toBeGreaterThan(0)
    expect(Math.floor(Date.now() / window)).toBe(before + 1)
  })

  it('refuses a margin that does not fit the window', async () => {
    await expect(awayFromWindowEdge(1000, 600)).rejects.toThrow(/does not fit/)
  })
})
