import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ratelimit, type RatelimitResponse } from '../src/index'
import { DRIVERS, type DriverPool, openDriver, uniquePrefix } from './fixtures'

const CLIENTS = 20
const LIMIT = 100
/**
 * 500 calls per client on real Redis (directly and through the REST server). The memory
 * driver interprets Lua in a JS Lua VM (fengari), about 30 ms a script, so 10 000 scripts
 * would take minutes; 50 calls per client still oversubscribes the limit tenfold.
 */
const CALLS_PER_DRIVER = { standalone: 500, cluster: 500, rest: 500, memory: 50 } as const
const TIMEOUT = 300_000

/**
 * 20 Ratelimit instances, each on its own client (its own connections), running at once;
 * each makes 500 calls one after another, so 20 scripts race at every moment.
 */
async function hammer(
  pool: DriverPool,
  limiter: Ratelimit['limiter'],
  calls: number,
): Promise<RatelimitResponse[]> {
  const prefix = uniquePrefix()
  const instances = Array.from(
    { length: CLIENTS },
    () => new Ratelimit({ redis: pool.client(), limiter, prefix, ephemeralCache: false }),
  )
  const results = await Promise.all(
    instances.map(async (rl) => {
      const own: RatelimitResponse[] = []
      for (let i = 0; i < calls; i++) own.push(await rl.limit('shared'))
      return own
    }),
  )
  return results.flat()
}

/** Admitted requests per window, keyed by the `reset` every admitted request of a window shares. */
function admittedPerWindow(results: RatelimitResponse[]): number[] {
  const counts = new Map<number, number>()
  for (const r of results) if (r.success) counts.set(r.reset, (counts.get(r.reset) ?? 0) + 1)
  return [...counts.values()]
}

describe.each(DRIVERS)(
  `on %s, ${CLIENTS} clients × (500, or 50 on memory) calls against limit ${LIMIT}`,
  (driver) => {
    const calls = CALLS_PER_DRIVER[driver]
    let pool: DriverPool
    beforeAll(async () => {
      pool = await openDriver(driver)
    })
    afterAll(async () => {
      await pool[Symbol.asyncDispose]()
    }, TIMEOUT)

    it(
      'fixedWindow admits exactly the limit per window',
      async () => {
        const results = await hammer(pool, Ratelimit.fixedWindow(LIMIT, '1 h'), calls)
        expect(results.every((r) => r.reason === undefined)).toBe(true)
        const perWindow = admittedPerWindow(results)
        // one window unless the run straddled an hour boundary, then no window exceeds the limit
        if (perWindow.length === 1) expect(perWindow[0]).toBe(LIMIT)
        for (const n of perWindow) expect(n).toBeLessThanOrEqual(LIMIT)
      },
      TIMEOUT,
    )

    it(
      'tokenBucket admits exactly the bucket size when nothing refills during the run',
      async () => {
        const results = await hammer(pool, Ratelimit.tokenBucket(1, '1 h', LIMIT), calls)
        expect(results.every((r) => r.reason === undefined)).toBe(true)
        expect(results.filter((r) => r.success)).toHaveLength(LIMIT)
      },
      TIMEOUT,
    )

    it(
      'slidingWindow never admits more than the limit',
      async () => {
        const results = await hammer(pool, Ratelimit.slidingWindow(LIMIT, '1 h'), calls)
        expect(results.every((r) => r.reason === undefined)).toBe(true)
        const admitted = results.filter((r) => r.success).length
        expect(admitted).toBeLessThanOrEqual(LIMIT)
        expect(admitted).toBeGreaterThan(0)
      },
      TIMEOUT,
    )

    it(
      'slidingLogs never admits more than the limit',
      async () => {
        const results = await hammer(pool, Ratelimit.slidingLogs(LIMIT, '1 h'), calls)
        expect(results.every((r) => r.reason === undefined)).toBe(true)
        const admitted = results.filter((r) => r.success).length
        expect(admitted).toBeLessThanOrEqual(LIMIT)
        expect(admitted).toBeGreaterThan(0)
      },
      TIMEOUT,
    )
  },
)
