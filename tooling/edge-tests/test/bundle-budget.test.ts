import { describe, expect, it } from 'vitest'
import { sizeOf } from '../src/sizes'

/**
 * Minified + gzipped bytes each edge job may cost, bundled for the Vercel Edge runtime.
 * Measured 2026-12-04: ratelimit + http driver 18,564; cache + http driver 30,567;
 * @upstash/ratelimit + @upstash/redis 28,382. Budgets leave ~15 % for growth: raising one
 * is a decision to make in review, not a side effect. Raised once, for the drop-in surface
 * of @upstash/ratelimit (deny lists, multi-region, analytics, the SDK adapter): 22,592,
 * still below upstream's 28,382 for the same job.
 */
const BUDGET_GZIPPED = {
  'ratelimit + http driver': 26_000,
  'cache + http driver': 35_000,
} as const

describe('bundle budget (minified + gzipped, edge-light)', () => {
  it.each(Object.entries(BUDGET_GZIPPED))('%s stays within %d bytes', async (job, budget) => {
    const { gzipped } = await sizeOf(job as keyof typeof BUDGET_GZIPPED)
    expect(gzipped).toBeLessThanOrEqual(budget)
  })

  it('ratelimit + http driver is smaller than @upstash/ratelimit + @upstash/redis for the same job', async () => {
    const ours = await sizeOf('ratelimit + http driver')
    const theirs = await sizeOf('@upstash/ratelimit + @upstash/redis')
    expect(ours.gzipped).toBeLessThan(theirs.gzipped)
  })
})
