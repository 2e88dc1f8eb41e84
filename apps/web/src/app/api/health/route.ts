import { connection } from 'next/server'
import { cacheHealth, databaseHealth } from '@/lib/health'

export async function GET(): Promise<Response> {
  // Request time only: never prerendered at build, when no database is open.
  await connection()
  const [cache, database] = await Promise.all([cacheHealth(), databaseHealth()])
  const ok = database.status !== 'red'
  return Response.json({ cache, database }, { status: ok ? 200 : 503 })
}
