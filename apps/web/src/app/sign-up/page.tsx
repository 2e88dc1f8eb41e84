import Link from 'next/link'
import { Suspense } from 'react'
import { signUp } from '@/lib/actions/auth'
import type { SearchParams } from '@/lib/page'
import { SubmitButton } from '../buttons'
import { ErrorNotice } from '../error-notice'
import { NextField } from '../next-field'

export const metadata = { title: 'Sign up' }

export default function SignUpPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1>Create an account</h1>
      <p className="muted">The first account of a fresh install is the administrator.</p>
      <Suspense>
        <ErrorNotice searchParams={searchParams} />
      </Suspense>
      <form action={signUp} className="stack">
        <Suspense>
          <NextField searchParams={searchParams} />
        </Suspense>
        <label>
          Name
          <input name="name" required autoComplete="name" />
        </label>
        <label>
          Email
          <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password (8 characters or more)
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
          />
        </label>
        <SubmitButton pending="Creating your account…">Sign up</SubmitButton>
      </form>
      <p className="muted">
        Already registered?{' '}
        <Link prefetch={false} href="/sign-in">
          Sign in
        </Link>
      </p>
    </>
  )
}
