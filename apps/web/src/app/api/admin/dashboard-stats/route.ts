import { connection } from 'next/server'
import { getAuth } from '@/lib/auth'
import { getDashboardStats } from '@/lib/data/dashboard'

/** The admin dashboard's numbers as JSON; `?fresh=1` skips the cache (the benchmark's anchor). */
export async function GET(request: Request): Promise<Response> {
  // Request time only: never prerendered at build, when no database is open.
  await connection()
  const auth = await getAuth()
  const session = await auth.api.getSession({ headers: request.headers })
  if (!session) return Response.json({ error: 'unauthorized' }, { status: 401 })
  if (session.user.role !== 'admin') return Response.json({ error: 'forbidden' }, { status: 403 })
  const fresh = new URL(request.url).searchParams.get('fresh') === '1'
  const stats = await getDashboardStats({ fresh })
  return Response.json(stats.value, {
    headers: {
      'x-hotpath-cache': stats.cached ? (stats.hit ? 'hit' : 'miss') : 'bypass',
      'server-timing': `stats;dur=${stats.ms.toFixed(1)}`,
    },
  })
}
