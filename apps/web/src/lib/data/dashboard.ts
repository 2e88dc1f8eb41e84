import type { KeyRef } from '@hotpath/keys'
import { sql } from 'drizzle-orm'
import { getCache, getOrSetTracked } from '../cache'
import { getDb } from '../db/client'
import { keys } from '../keys'

export type DashboardStats = {
  totals: { views: number; users: number; avgMs: number }
  byPath: { path: string; views: number; users: number; avgMs: number; p95Ms: number }[]
  byDay: { day: string; views: number }[]
  computedAt: string
}

/** The expensive part: full scans and percentiles over every page view of the last 30 days. */
export async function computeDashboardStats(): Promise<DashboardStats> {
  const db = await getDb()
  const [totals, byPath, byDay] = await Promise.all([
    db.execute<{ views: number; users: number; avg_ms: number }>(sql`
      select count(*)::int as views, count(distinct user_id)::int as users, coalesce(avg(duration_ms), 0)::int as avg_ms
      from page_view where created_at > now() - interval '30 days'`),
    db.execute<{ path: string; views: number; users: number; avg_ms: number; p95_ms: number }>(sql`
      select path, count(*)::int as views, count(distinct user_id)::int as users,
        avg(duration_ms)::int as avg_ms,
        percentile_cont(0.95) within group (order by duration_ms)::int as p95_ms
      from page_view where created_at > now() - interval '30 days'
      group by path order by views desc`),
    db.execute<{ day: string; views: number }>(sql`
      select to_char(date_trunc('day', created_at), 'YYYY-MM-DD') as day, count(*)::int as views
      from page_view where created_at > now() - interval '30 days'
      group by 1 order by 1`),
  ])
  const total = rowsOf<{ views: number; users: number; avg_ms: number }>(totals)[0]
  return {
    totals: { views: total?.views ?? 0, users: total?.users ?? 0, avgMs: total?.avg_ms ?? 0 },
    byPath: rowsOf<{ path: string; views: number; users: number; avg_ms: number; p95_ms: number }>(
      byPath,
    ).map((r) => ({
      path: r.path,
      views: r.views,
      users: r.users,
      avgMs: r.avg_ms,
      p95Ms: r.p95_ms,
    })),
    byDay: rowsOf<{ day: string; views: number }>(byDay),
    computedAt: new Date().toISOString(),
  }
}

/** PGlite answers `{ rows }`, postgres.js an array of rows. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

export async function getDashboardStats(options: { fresh?: boolean } = {}) {
  if (options.fresh) {
    const started = performance.now()
    const value = await computeDashboardStats()
    return { value, hit: false, ms: performance.now() - started, cached: false }
  }
  const result = await getOrSetTracked(keys.adminDashboardStats(), computeDashboardStats)
  return { ...result, cached: true }
}

/**
 * The cached stats without ever computing them: undefined on a miss or a Redis failure. It
 * only reads, so a route may start it in the same tick as its session check and use the
 * answer once the caller is known to be an admin: the two round trips overlap.
 */
export async function peekDashboardStats(): Promise<DashboardStats | undefined> {
  try {
    return await getCache().get(keys.adminDashboardStats() as KeyRef<DashboardStats>)
  } catch {
    return undefined
  }
}
