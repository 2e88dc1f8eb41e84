import { connection } from 'next/server'
import { getAuth } from '@/lib/auth'
import { getDashboardStats, peekDashboardStats } from '@/lib/data/dashboard'

/** The admin dashboard's numbers as JSON; `?fresh=1` skips the cache (the benchmark's anchor). */
export async function GET(request: Request): Promise<Response> {
  // Request time only: never prerendered at build, when no database is open.
  await connection()
  const fresh = new URL(request.url).searchParams.get('fresh') === '1'
  const started = performance.now()
  const auth = await getAuth()
  // The session check and the cache read are independent: start both in the same tick. The
  // peek never computes, so nothing expensive runs for a caller who is then refused.
  const [session, peeked] = await Promise.all([
    auth.api.getSession({ headers: request.headers }),
    fresh ? undefined : peekDashboardStats(),
  ])
  if (!session) return Response.json({ error: 'unauthorized' }, { status: 401 })
  if (session.user.role !== 'admin') return Response.json({ error: 'forbidden' }, { status: 403 })
  const stats =
    peeked !== undefined
      ? { value: peeked, hit: true, cached: true, ms: performance.now() - started }
      : await getDashboardStats({ fresh })
  return Response.json(stats.value, {
    headers: {
      'x-hotpath-cache': stats.cached ? (stats.hit ? 'hit' : 'miss') : 'bypass',
      'server-timing': `stats;dur=${stats.ms.toFixed(1)}`,
    },
  })
}
