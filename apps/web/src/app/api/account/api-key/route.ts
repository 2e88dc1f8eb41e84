import { getAuth } from '@/lib/auth'
import { formatRetryAfter, regenerateApiKey } from '@/lib/data/api-keys'

/**
 * API-key regeneration for scripts: 200 with the new key once per 24 hours, then 429 with
 * Retry-After and a message that says when; both carry the rate-limit headers.
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
        message: `API keys can be regenerated once a day. Try again in ${formatRetryAfter(result.retryAfter)}.`,
        retryAfter: result.retryAfter,
      },
      { status: 429, headers: result.headers },
    )
  }
  return Response.json({ key: result.key, prefix: result.prefix }, { headers: result.headers })
}
