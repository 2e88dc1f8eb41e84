import { createCache } from '@hotpath/cache'
import type { ManagedRedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { startRedis } from '@hotpath/test-redis'
import { type Row, round, type Scenario } from '../scenario.ts'

const TOKEN = 'bench-outage'
const CALLERS = 20
// The timeline of issue 13: Redis is SIGKILLed 3 s into the run and restarted at 7 s.
const KILL_AT_MS = 3000
const RESTART_AT_MS = 7000
const RUN_AFTER_RESTART_MS = 3000
const ROUNDS = Number(process.env.BENCH_OUTAGE_ROUNDS ?? 3)

type Call = { start: number; ms: number; hit: boolean; threw: boolean }

type Timeline = {
  exceptions: number
  /** Median call while Redis was up, the baseline that "added" latency is measured from. */
  baselineP50Ms: number
  /** Kill → the breaker's first `breaker:open`. */
  breakerOpenAfterMs: number
  /** Calls started between the kill and the breaker opening: the most one of them added. */
  learningCalls: number
  learningMaxAddedMs: number
  /** Calls started while the breaker was open and Redis still down. */
  openCalls: number
  openP50Ms: number
  openP99Ms: number
  openMaxMs: number
  /** Restart → the first call that was answered from Redis (no loader run). */
  firstHitAfterRestartMs: number
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One run: 20 callers doing `getOrSet` on one key with the client's default resilience options,
 * a private redis-server SIGKILLed and restarted on its port. Times are from `performance.now()`.
 */
async function timeline(path: 'tcp' | 'rest'): Promise<Timeline> {
  let redis = await startRedis()
  const port = redis.port
  const rest =
    path === 'rest' ? await startRestServer({ redis: redis.url, token: TOKEN, port: 0 }) : undefined
  const client: ManagedRedisClient = rest
    ? createUpstashRedis({ url: rest.url, token: TOKEN })
    : createTcpRedis({ url: redis.url })
  const cache = createCache({ redis: client, prefix: `bench:outage:${path}` })
  let breakerOpenedAt = Number.NaN
  client.on('breaker:open', () => {
    if (Number.isNaN(breakerOpenedAt)) breakerOpenedAt = performance.now()
  })
  const calls: Call[] = []
  try {
    await cache.set('k', 'cached')
    const t0 = performance.now()
    const end = t0 + RESTART_AT_MS + RUN_AFTER_RESTART_MS
    const caller = async () => {
      while (performance.now() < end) {
        const start = performance.now()
        let hit = true
        let threw = false
        try {
          await cache.getOrSet('k', () => {
            hit = false
            return 'loaded'
          })
        } catch {
          threw = true
        }
        calls.push({ start, ms: performance.now() - start, hit, threw })
        await sleep(5)
      }
    }
    const callers = Array.from({ length: CALLERS }, caller)
    await sleep(KILL_AT_MS)
    const killedAt = performance.now()
    process.kill(redis.pid, 'SIGKILL')
    await redis.stop()
    await sleep(t0 + RESTART_AT_MS - performance.now())
    redis = await startRedis({ port })
    // Restarted = accepting connections again (startRedis resolves once it answers PING).
    const restartedAt = performance.now()
    await Promise.all(callers)

    const before = calls.filter((c) => c.start < killedAt).map((c) => c.ms)
    const baseline = quantile(before, 0.5)
    const learning = calls.filter((c) => c.start >= killedAt && c.start < breakerOpenedAt)
    const open = calls
      .filter((c) => c.start >= breakerOpenedAt && c.start < restartedAt)
      .map((c) => c.ms)
    const firstHit = calls
      .filter((c) => c.hit && !c.threw && c.start >= restartedAt)
      .reduce((min, c) => Math.min(min, c.start + c.ms), Number.POSITIVE_INFINITY)
    return {
      exceptions: calls.filter((c) => c.threw).length,
      baselineP50Ms: round(baseline),
      breakerOpenAfterMs: round(breakerOpenedAt - killedAt, 1),
      learningCalls: learning.length,
      learningMaxAddedMs: round(Math.max(0, ...learning.map((c) => c.ms - baseline)), 1),
      openCalls: open.length,
      openP50Ms: round(quantile(open, 0.5)),
      openP99Ms: round(quantile(open, 0.99)),
      openMaxMs: round(Math.max(...open), 2),
      firstHitAfterRestartMs: round(firstHit - restartedAt, 1),
    }
  } finally {
    await client.close()
    await rest?.close()
    await redis.stop()
  }
}

function spread(values: number[]): string {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return 'n/a'
  return `${Math.min(...finite)}–${Math.max(...finite)}`
}

const scenario: Scenario = {
  name: 'outage',
  description: `${CALLERS} callers doing \`getOrSet\` on one cached key with the client's default resilience options; redis-server is SIGKILLed at ${KILL_AT_MS / 1000} s and restarted on its port at ${RESTART_AT_MS / 1000} s (issue 13's run), over tcp and over the upstash driver + \`hotpath-redis-rest\`. ${ROUNDS} rounds per path; one row per round. "added" is a call's time minus the median call before the kill.`,
  async run() {
    const rows: Row[] = []
    const ratios: Record<string, number> = {}
    const goals: Record<string, string> = {}
    const notes: string[] = []
    for (const path of ['tcp', 'rest'] as const) {
      const runs: Timeline[] = []
      for (let round = 1; round <= ROUNDS; round++) {
        const run = await timeline(path)
        runs.push(run)
        rows.push({ name: `${path} round ${round}`, ...run })
      }
      const worst = (pick: (t: Timeline) => number) => Math.max(...runs.map(pick))
      ratios[`${path}: exceptions (sum)`] = runs.reduce((sum, t) => sum + t.exceptions, 0)
      goals[`${path}: exceptions (sum)`] = '0'
      ratios[`${path}: max ms a call added while the breaker learned (worst round)`] = worst(
        (t) => t.learningMaxAddedMs,
      )
      goals[`${path}: max ms a call added while the breaker learned (worst round)`] = '<= 100'
      ratios[`${path}: p99 ms of a call once the breaker is open (worst round)`] = worst(
        (t) => t.openP99Ms,
      )
      goals[`${path}: p99 ms of a call once the breaker is open (worst round)`] = '<= 1'
      ratios[`${path}: ms from restart to the first hit (worst round)`] = worst(
        (t) => t.firstHitAfterRestartMs,
      )
      goals[`${path}: ms from restart to the first hit (worst round)`] = '<= 1000'
      notes.push(
        `${path}: breaker opened ${spread(runs.map((t) => t.breakerOpenAfterMs))} ms after the kill; open-breaker calls p50 ${spread(runs.map((t) => t.openP50Ms))} ms, max ${spread(runs.map((t) => t.openMaxMs))} ms; first hit ${spread(runs.map((t) => t.firstHitAfterRestartMs))} ms after restart (spread over ${ROUNDS} rounds).`,
      )
    }
    return { rows, ratios, goals, notes }
  },
}

export default scenario
