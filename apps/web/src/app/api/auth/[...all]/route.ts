import { getSessionCookie } from 'better-auth/cookies'
import { getAuth } from '@/lib/auth'
import { AUTH_LIMITED_PATHS, authIdentifier, checkLimit, refusalMessage } from '@/lib/ratelimit'

async function handle(request: Request): Promise<Response> {
  const auth = await getAuth()
  return auth.handler(request)
}

/** What a limited auth request aims at, for the identifier policy: its email or token. */
async function target(request: Request) {
  let body: { email?: unknown; token?: unknown } = {}
  try {
    body = (await request.clone().json()) as typeof body
  } catch {}
  return {
    email: typeof body.email === 'string' ? body.email : undefined,
    token: typeof body.token === 'string' ? body.token : undefined,
    session: getSessionCookie(request) ?? undefined,
  }
}

/** Password and token endpoints pass the `auth` rule first; the rest go straight through. */
async function limited(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname.replace(/^\/api\/auth/, '')
  if (!AUTH_LIMITED_PATHS.has(path)) return handle(request)
  const identifier = authIdentifier(request.headers, await target(request))
  if (!identifier) {
    return Response.json(
      { code: 'CLIENT_UNKNOWN', message: 'This request names no account to sign in to.' },
      { status: 400 },
    )
  }
  const verdict = await checkLimit('auth', identifier)
  if (!verdict.limited) return handle(request)
  if (!verdict.success) {
    return Response.json(
      {
        code: verdict.unavailable ? 'RATE_LIMIT_UNAVAILABLE' : 'RATE_LIMITED',
        message: refusalMessage(verdict, 'Signing in'),
        retryAfter: verdict.retryAfter,
      },
      { status: verdict.unavailable ? 503 : 429, headers: verdict.headers },
    )
  }
  const response = await handle(request)
  const headers = new Headers(response.headers)
  for (const [name, value] of Object.entries(verdict.headers)) headers.set(name, value)
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}

export const GET = handle
export const POST = limited
