'use server'

import { APIError } from 'better-auth/api'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getAuth } from '../auth'
import { authIdentifier, checkLimit, refusalMessage } from '../ratelimit'
import { safeNext } from '../redirect'

function field(form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value.trim() : ''
}

function message(error: unknown): string {
  if (error instanceof APIError) return error.body?.message ?? error.message
  throw error
}

function back(page: '/sign-in' | '/sign-up', error: string, next: string): never {
  const params = new URLSearchParams({ error })
  if (next !== '/account') params.set('next', next)
  redirect(`${page}?${params}`)
}

/**
 * The forms count in the same `auth` buckets as POST /api/auth/sign-in/email: a server action
 * is an HTTP endpoint too, and must not be the way around the limit.
 */
async function limitAttempt(email: string): Promise<string | undefined> {
  const requestHeaders = await headers()
  const identifier = authIdentifier(requestHeaders, { email })
  if (!identifier) return 'Enter your email address.'
  const verdict = await checkLimit('auth', identifier)
  if (verdict.limited && !verdict.success) return refusalMessage(verdict, 'Signing in')
  return undefined
}

export async function signUp(form: FormData): Promise<void> {
  const email = field(form, 'email')
  const next = safeNext(form.get('next'))
  const refused = await limitAttempt(email)
  if (refused) back('/sign-up', refused, next)
  const auth = await getAuth()
  let failure: string | undefined
  try {
    await auth.api.signUpEmail({
      body: { name: field(form, 'name') || email, email, password: field(form, 'password') },
      headers: await headers(),
    })
  } catch (error) {
    failure = message(error)
  }
  if (failure) back('/sign-up', failure, next)
  redirect(next)
}

export async function signIn(form: FormData): Promise<void> {
  const email = field(form, 'email')
  const next = safeNext(form.get('next'))
  const refused = await limitAttempt(email)
  if (refused) back('/sign-in', refused, next)
  const auth = await getAuth()
  let failure: string | undefined
  try {
    await auth.api.signInEmail({
      body: { email, password: field(form, 'password') },
      headers: await headers(),
    })
  } catch (error) {
    failure = message(error)
  }
  if (failure) back('/sign-in', failure, next)
  redirect(next)
}

export async function signOut(): Promise<void> {
  const auth = await getAuth()
  await auth.api.signOut({ headers: await headers() })
  redirect('/sign-in?ok=Signed+out.')
}
