import { connection, NextResponse } from 'next/server'
import { getAuth } from '@/lib/auth'
import { siteUrl } from '@/lib/config'
import { confirmEmailChange } from '@/lib/data/email-change'
import { signInUrl } from '@/lib/redirect'

const MESSAGES = {
  'no-redis': 'Email change needs Redis; none is configured.',
  'expired-or-used': 'This link has expired or was already used.',
  mismatch: 'This link does not match your latest request.',
  taken: 'Another account already uses that address.',
} as const

export async function GET(request: Request): Promise<Response> {
  // Request time only: never prerendered at build, when no database is open.
  await connection()
  const url = new URL(request.url)
  // Redirects go to the configured origin, never one built from the request's Host header:
  // behind a proxy that is an internal name, and a forged Host would choose the target.
  const base = siteUrl()
  const auth = await getAuth()
  const session = await auth.api.getSession({ headers: request.headers })
  if (!session) {
    const back = `${url.pathname}${url.search}`
    return NextResponse.redirect(new URL(signInUrl(back), base), 303)
  }
  const token = url.searchParams.get('token') ?? ''
  const result = await confirmEmailChange(session.user.id, token)
  const target = new URL('/account', base)
  if (result.ok) target.searchParams.set('ok', `Email changed to ${result.email}.`)
  else target.searchParams.set('error', MESSAGES[result.reason])
  return NextResponse.redirect(target, 303)
}
