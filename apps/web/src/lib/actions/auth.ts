'use server'

import { APIError } from 'better-auth/api'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getAuth } from '../auth'

function field(form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value.trim() : ''
}

function message(error: unknown): string {
  if (error instanceof APIError) {
    if (error.statusCode === 429) return 'Too many attempts. Wait a minute and try again.'
    return error.body?.message ?? error.message
  }
  throw error
}

export async function signUp(form: FormData): Promise<void> {
  const auth = await getAuth()
  let failure: string | undefined
  try {
    await auth.api.signUpEmail({
      body: {
        name: field(form, 'name') || field(form, 'email'),
        email: field(form, 'email'),
        password: field(form, 'password'),
      },
      headers: await headers(),
    })
  } catch (error) {
    failure = message(error)
  }
  if (failure) redirect(`/sign-up?error=${encodeURIComponent(failure)}`)
  redirect('/account')
}

export async function signIn(form: FormData): Promise<void> {
  const auth = await getAuth()
  let failure: string | undefined
  try {
    await auth.api.signInEmail({
      body: { email: field(form, 'email'), password: field(form, 'password') },
      headers: await headers(),
    })
  } catch (error) {
    failure = message(error)
  }
  if (failure) redirect(`/sign-in?error=${encodeURIComponent(failure)}`)
  redirect('/account')
}

export async function signOut(): Promise<void> {
  const auth = await getAuth()
  await auth.api.signOut({ headers: await headers() })
  redirect('/sign-in')
}
