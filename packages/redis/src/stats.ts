import { debugFromEnv } from '@hotpath/core'
import type { ClientStats, RedisClient } from './types'

export type Counters = {
  commands: number
  errors: number
  hits: number
  misses: number
  corrupt: number
  day: string
  today: number
  /** Whether the helpers print `[hotpath] …` debug lines for this client. */
  debug: boolean
  /** Reads judged together for the hit-rate signal, and the running window. */
  windowSize: number
  windowReads: number
  windowHits: number
  /** Hit rate of the last complete window; undefined before the first one. */
  windowHitRate: number | undefined
  threshold: number
  /** Called when a complete window's hit rate is at or below `threshold` after one above it. */
  onLow?: (hitRate: number, reads: number) => void
}

// Keyed by client so helpers can count hits for any RedisClient, including a team's own driver.
const registry = new WeakMap<RedisClient, Counters>()

export function utcDay(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10)
}

export function nextUtcMidnight(now = Date.now()): number {
  const day = 86_400_000
  return Math.floor(now / day) * day + day
}

/** The seed's health rule: a cache that answers fewer than 70% of reads is not doing its job. */
export const HIT_RATE_DEFAULTS = { threshold: 0.7, window: 100 } as const

export function newCounters(debug = debugFromEnv()): Counters {
  return {
    commands: 0,
    errors: 0,
    hits: 0,
    misses: 0,
    corrupt: 0,
    day: utcDay(),
    today: 0,
    debug,
    windowSize: HIT_RATE_DEFAULTS.window,
    windowReads: 0,
    windowHits: 0,
    windowHitRate: undefined,
    threshold: HIT_RATE_DEFAULTS.threshold,
  }
}

/**
 * One cache read. Every `windowSize` reads the window's hit rate is judged: a lifetime rate
 * hides a drop (a million good reads outweigh an hour of misses), a window shows it.
 */
export function countRead(counters: Counters, hit: boolean): void {
  if (hit) counters.hits++
  else counters.misses++
  counters.windowReads++
  if (hit) counters.windowHits++
  if (counters.windowReads < counters.windowSize) return
  const rate = counters.windowHits / counters.windowReads
  const wasHealthy =
    counters.windowHitRate === undefined || counters.windowHitRate > counters.threshold
  counters.windowHitRate = rate
  const reads = counters.windowReads
  counters.windowReads = 0
  counters.windowHits = 0
  if (wasHealthy && rate <= counters.threshold) counters.onLow?.(rate, reads)
}

export function countersOf(client: RedisClient): Counters {
  let counters = registry.get(client)
  if (!counters) {
    counters = newCounters()
    registry.set(client, counters)
  }
  return counters
}

export function registerCounters(client: RedisClient, counters: Counters): void {
  registry.set(client, counters)
}

export function snapshot(counters: Counters): ClientStats {
  const reads = counters.hits + counters.misses
  return {
    commands: counters.commands,
    errors: counters.errors,
    hits: counters.hits,
    misses: counters.misses,
    corrupt: counters.corrupt,
    hitRate: reads === 0 ? 0 : counters.hits / reads,
    windowHitRate: counters.windowHitRate,
    isHealthy: counters.windowHitRate === undefined || counters.windowHitRate > counters.threshold,
    today: { day: counters.day, commands: counters.today },
  }
}
