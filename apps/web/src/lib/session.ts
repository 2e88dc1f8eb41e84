import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getAuth, type Session } from './auth'

export async function getSession(): Promise<Session | null> {
  // Request headers first: a prerender stops here, before anything opens the database.
  const requestHeaders = await headers()
  const auth = await getAuth()
  return auth.api.getSession({ headers: requestHeaders })
}

/** The signed-in user's session, or a redirect to sign-in. */
export async function requireSession(): Promise<Session> {
  const session = await getSession()
  if (!session) redirect('/sign-in')
  return session
}

export async function requireAdmin(): Promise<Session> {
  const session = await requireSession()
  if (session.user.role !== 'admin') redirect('/account?error=admin-only')
  return session
}
