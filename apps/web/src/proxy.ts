import { rateLimitHeaders } from '@hotpath/ratelimit'
import { clientAddressFromHeaders } from '@hotpath/ratelimit/next'
import { getSessionCookie } from 'better-auth/cookies'
import { type NextFetchEvent, type NextRequest, NextResponse } from 'next/server'
import { isNewDashboardEnabled } from './lib/data/flags'
import { getAuthLimiter, trustedProxy } from './lib/ratelimit'

// Two jobs, both one Redis call: rate-limit the auth endpoints, and rewrite /dashboard to
// /beta/dashboard for users in `feature:new-dashboard:users` (seed 001).

export async function proxy(request: NextRequest, event: NextFetchEvent) {
  const { pathname } = request.nextUrl
  if (pathname.startsWith('/api/auth/sign-')) return limitAuth(request, event)
  if (pathname === '/dashboard') return flagRewrite(request)
  return NextResponse.next()
}

async function limitAuth(request: NextRequest, event: NextFetchEvent) {
  const limiter = getAuthLimiter()
  if (!limiter || request.method !== 'POST') return NextResponse.next()
  const identifier = clientAddressFromHeaders(request.headers, trustedProxy()) ?? 'anonymous'
  const result = await limiter.limit(identifier)
  event.waitUntil(result.pending)
  const headers = rateLimitHeaders(result, { windowSeconds: 60, policy: 'auth' })
  if (!result.success) {
    return NextResponse.json(
      { code: 'RATE_LIMITED', message: 'Too many sign-in attempts. Wait a minute and try again.' },
      { status: 429, headers },
    )
  }
  return NextResponse.next({ headers })
}

async function flagRewrite(request: NextRequest) {
  // No cookie, no session: skip the lookup entirely.
  if (!getSessionCookie(request)) return NextResponse.next()
  const userId = await sessionUserId(request)
  if (userId && (await isNewDashboardEnabled(userId))) {
    return NextResponse.rewrite(new URL('/beta/dashboard', request.url))
  }
  return NextResponse.next()
}

/** Better Auth's documented proxy pattern: ask the auth route, which reads Redis first. */
async function sessionUserId(request: NextRequest): Promise<string | undefined> {
  try {
    const response = await fetch(new URL('/api/auth/get-session', request.nextUrl.origin), {
      headers: { cookie: request.headers.get('cookie') ?? '' },
    })
    if (!response.ok) return undefined
    const body = (await response.json()) as { user?: { id?: string } } | null
    return body?.user?.id
  } catch {
    return undefined
  }
}

export const config = {
  matcher: ['/dashboard', '/api/auth/:path*'],
}
