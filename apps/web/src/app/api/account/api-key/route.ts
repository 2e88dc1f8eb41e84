import { getAuth } from '@/lib/auth'
import { regenerateApiKey } from '@/lib/data/api-keys'

/**
 * API-key regeneration for scripts: 200 with the new key once per day, then 429 with
 * Retry-After (seconds until the day's window ends) and a message that says so.
 */
export async function POST(request: Request): Promise<Response> {
  const auth = await getAuth()
  const session = await auth.api.getSession({ headers: request.headers })
  if (!session) return Response.json({ error: 'unauthorized' }, { status: 401 })
  const result = await regenerateApiKey(session.user.id)
  if (!result.ok) {
    return Response.json(
      {
        error: 'rate_limited',
        message: 'API keys can be regenerated once per day.',
        retryAfter: result.retryAfter,
      },
      { status: 429, headers: { 'Retry-After': String(result.retryAfter) } },
    )
  }
  return Response.json({ key: result.key, prefix: result.prefix })
}
