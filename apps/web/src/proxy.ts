import { getSessionCookie } from 'better-auth/cookies'
import { type NextRequest, NextResponse } from 'next/server'
import { isNewDashboardEnabled } from './lib/data/flags'

// Rewrites /dashboard to /beta/dashboard for users in `feature:new-dashboard:users`, in one
// Redis call. Rate limits are not here: they sit on the routes and actions themselves
// (src/lib/ratelimit.ts), so a server action cannot walk around them.

export async function proxy(request: NextRequest) {
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
  matcher: ['/dashboard'],
}
