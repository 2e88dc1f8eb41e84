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

export function newCounters(debug = debugFromEnv()): Counters {
  return { commands: 0, errors: 0, hits: 0, misses: 0, corrupt: 0, day: utcDay(), today: 0, debug }
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
    today: { day: counters.day, commands: counters.today },
  }
}
