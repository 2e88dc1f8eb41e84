import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getAuth, type Session } from './auth'
import { signInUrl } from './redirect'

export async function getSession(): Promise<Session | null> {
  // Request headers first: a prerender stops here, before anything opens the database.
  const requestHeaders = await headers()
  const auth = await getAuth()
  return auth.api.getSession({ headers: requestHeaders })
}

/**
 * The signed-in user's session, or a redirect to sign-in that comes back to `from` (the
 * page asking) afterwards.
 */
export async function requireSession(from = '/account'): Promise<Session> {
  const session = await getSession()
  if (!session) redirect(signInUrl(from))
  return session
}

/** An admin's session; anyone else is sent to the 403 page, signed-out visitors to sign-in. */
export async function requireAdmin(from = '/admin'): Promise<Session> {
  const session = await requireSession(from)
  if (session.user.role !== 'admin') redirect('/forbidden')
  return session
}
