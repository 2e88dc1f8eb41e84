import type { RedisServer } from '@hotpath/test-redis'
import { Bench } from 'tinybench'

/** One measured line of a scenario's table. */
export type Row = {
  name: string
  opsPerSec?: number
  p50Ms?: number
  p99Ms?: number
  samples?: number
  /** Any other figure the scenario reports (round trips, loader runs…). */
  [figure: string]: string | number | undefined
}

export type ScenarioResult = {
  rows: Row[]
  /** Named ratios against the anchors of the same run, e.g. `{ 'getCache / raw GET (tcp)': 0.97 }`. */
  ratios: Record<string, number>
  /** The goal per ratio, when the issue set one: `{ 'getCache / raw GET (tcp)': '>= 0.95' }`. */
  goals?: Record<string, string>
  notes?: string[]
}

export type BenchContext = {
  /** A fresh standalone redis-server for this scenario. */
  redis: RedisServer
  /** Milliseconds each measured task runs. */
  timeMs: number
}

export type Scenario = {
  name: string
  /** What is measured and against which anchor. */
  description: string
  run(ctx: BenchContext): Promise<ScenarioResult>
}

/** Runs async tasks with tinybench and returns one row per task. */
export async function measure(
  tasks: Record<string, () => Promise<unknown>>,
  options: { timeMs: number; warmupMs?: number },
): Promise<Row[]> {
  const bench = new Bench({
    time: options.timeMs,
    warmupTime: options.warmupMs ?? Math.min(500, options.timeMs / 4),
  })
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn)
  await bench.run()
  return bench.tasks.map((task) => {
    const result = task.result
    if (result?.state !== 'completed') {
      throw new Error(`benchmark task ${task.name} did not complete`, {
        cause: result && 'error' in result ? result.error : undefined,
      })
    }
    return {
      name: task.name,
      opsPerSec: Math.round(result.throughput.mean),
      p50Ms: round(result.latency.p50 ?? Number.NaN),
      p99Ms: round(result.latency.p99 ?? Number.NaN),
      samples: result.latency.samplesCount,
    }
  })
}

/** Latency percentiles of many concurrent callers, for scenarios where concurrency matters. */
export async function measureConcurrent(
  fn: () => Promise<unknown>,
  options: { concurrency: number; durationMs: number },
): Promise<Omit<Row, 'name'>> {
  const latencies: number[] = []
  const deadline = performance.now() + options.durationMs
  const worker = async () => {
    while (performance.now() < deadline) {
      const start = performance.now()
      await fn()
      latencies.push(performance.now() - start)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const elapsed = performance.now() - started
  latencies.sort((a, b) => a - b)
  return {
    opsPerSec: Math.round((latencies.length / elapsed) * 1000),
    p50Ms: round(quantile(latencies, 0.5)),
    p99Ms: round(quantile(latencies, 0.99)),
    samples: latencies.length,
  }
}

/** The `q` quantile of ascending `sorted` values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

export function ratio(numerator: Row | undefined, denominator: Row | undefined): number {
  if (!numerator?.opsPerSec || !denominator?.opsPerSec) return Number.NaN
  return round(numerator.opsPerSec / denominator.opsPerSec)
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/**
 * Sequential async tasks measured call by call in turns (A C B, B A C …), each call timed
 * on its own, for `timeMs` after a warm-up. On a shared machine the speed drifts by ±10%
 * within seconds; when tasks run in blocks, a ratio between them measures that drift as
 * much as the code. Interleaved, every task sees the same machine, so the ratio of two rows
 * compares the code. The order is shuffled every turn (seeded, so runs are comparable).
 * ops/s is calls over the time spent inside that task's calls.
 */
export async function measureInterleaved(
  tasks: Record<string, () => Promise<unknown>>,
  options: { timeMs: number; warmupMs?: number },
): Promise<Row[]> {
  const entries = Object.entries(tasks)
  const warmupEnd = performance.now() + (options.warmupMs ?? Math.min(500, options.timeMs / 4))
  while (performance.now() < warmupEnd) for (const [, fn] of entries) await fn()
  const latencies = entries.map((): number[] => [])
  const order = entries.map((_, index) => index)
  const random = seededRandom(0x5eed)
  const end = performance.now() + options.timeMs
  while (performance.now() < end) {
    // A fresh order every turn: whatever a call leaves behind (a timer, a socket read, garbage)
    // lands on a random successor, not always on the same one. Rotating a fixed cycle would
    // keep every task's predecessor the same.
    shuffle(order, random)
    for (const index of order) {
      const fn = (entries[index] as [string, () => Promise<unknown>])[1]
      const start = performance.now()
      await fn()
      latencies[index]?.push(performance.now() - start)
    }
  }
  return entries.map(([name], index) => {
    const list = (latencies[index] ?? []).sort((a, b) => a - b)
    const total = list.reduce((sum, ms) => sum + ms, 0)
    return {
      name,
      opsPerSec: Math.round((list.length / total) * 1000),
      p50Ms: round(quantile(list, 0.5)),
      p99Ms: round(quantile(list, 0.99)),
      samples: list.length,
    }
  })
}

/** Fisher–Yates in place. */
function shuffle(items: number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const item = items[i] as number
    items[i] = items[j] as number
    items[j] = item
  }
}

/** mulberry32: a small seeded generator, so two runs shuffle alike. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
