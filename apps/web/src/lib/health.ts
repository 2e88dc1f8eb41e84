import { session, user } from '@apps/db/schema'
import { checkHealth } from '@hotpath/redis'
import { sql } from 'drizzle-orm'
import { getCacheHitRate } from './cache'
import { describeDatabase, describeRedis } from './config'
import { getDbHandle } from './db/client'
import { getRedis } from './redis'

export type Colour = 'green' | 'yellow' | 'red'

export type CacheHealth = {
  configured: boolean
  status: Colour
  latencyMs: number | null
  driver: string
  breaker: string
  location: string
  hitRate: number | null
  error?: string
}

export type DatabaseHealth = {
  status: Colour
  kind: string
  location: string
  latencyMs: number | null
  users: number | null
  sessions: number | null
  error?: string
}

/** Same thresholds as checkHealth: green < 50 ms, yellow 50–150 ms, red above or failed. */
export function colourOf(latencyMs: number | null): Colour {
  if (latencyMs === null) return 'red'
  if (latencyMs < 50) return 'green'
  if (latencyMs <= 150) return 'yellow'
  return 'red'
}

export async function cacheHealth(): Promise<CacheHealth> {
  const info = describeRedis()
  const redis = getRedis()
  if (!redis) {
    return {
      configured: false,
      status: 'red',
      latencyMs: null,
      driver: 'none',
      breaker: 'n/a',
      location: info.location,
      hitRate: null,
      error: 'No Redis configured: the cache passes every read through to the database.',
    }
  }
  const health = await checkHealth(redis)
  return {
    configured: true,
    status: health.status,
    latencyMs: health.latencyMs,
    driver: health.driver,
    breaker: health.breaker,
    location: info.location,
    hitRate: getCacheHitRate(),
  }
}

const DATABASE_KINDS = {
  pglite: 'PGlite (embedded)',
  'pglite-server': 'PGlite (shared, over the Postgres protocol)',
  postgres: 'Postgres (postgres.js)',
} as const

export async function databaseHealth(): Promise<DatabaseHealth> {
  const info = describeDatabase()
  try {
    const handle = await getDbHandle()
    const started = performance.now()
    await handle.ping()
    const latencyMs = performance.now() - started
    const [users, sessions] = await Promise.all([
      handle.db.select({ n: sql<number>`count(*)::int` }).from(user),
      handle.db.select({ n: sql<number>`count(*)::int` }).from(session),
    ])
    return {
      status: colourOf(latencyMs),
      kind: DATABASE_KINDS[info.kind],
      location: info.location,
      latencyMs,
      users: users[0]?.n ?? 0,
      sessions: sessions[0]?.n ?? 0,
    }
  } catch (error) {
    return {
      status: 'red',
      kind: info.kind,
      location: info.location,
      latencyMs: null,
      users: null,
      sessions: null,
      error: error instanceof Error ? error.message : String(error),
    }
  }
}
