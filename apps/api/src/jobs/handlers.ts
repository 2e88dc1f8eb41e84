import { z } from '@hono/zod-openapi'
import type { JobHandler } from './queue.ts'

const sleepPayload = z.object({ ms: z.number().int().min(0).max(10_000) })
const flakyPayload = z.object({ failTimes: z.number().int().min(0) })

/**
 * The demo job types. `flaky` and `fail` exist so retries and dead letters can be watched
 * (and tested) through the public API.
 */
export const jobHandlers = {
  /** Returns its payload. */
  echo: (payload) => payload,
  /** Waits `ms`, then completes. */
  sleep: async (payload) => {
    const { ms } = sleepPayload.parse(payload)
    await new Promise((resolve) => setTimeout(resolve, ms))
    return { sleptMs: ms }
  },
  /** Fails its first `failTimes` attempts, then succeeds. */
  flaky: (payload, { attempt }) => {
    const { failTimes } = flakyPayload.parse(payload)
    if (attempt <= failTimes) throw new Error(`flaky job failed attempt ${attempt} of ${failTimes}`)
    return { succeededOnAttempt: attempt }
  },
  /** Always fails: ends in the dead-letter list. */
  fail: () => {
    throw new Error('this job always fails')
  },
} satisfies Record<string, JobHandler>

export type JobType = keyof typeof jobHandlers
export const jobTypes = Object.keys(jobHandlers) as [JobType, ...JobType[]]
