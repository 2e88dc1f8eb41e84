import Link from 'next/link'
import { Suspense } from 'react'
import { signIn } from '@/lib/actions/auth'
import type { SearchParams } from '@/lib/page'
import { SubmitButton } from '../buttons'
import { ErrorNotice } from '../error-notice'
import { NextField } from '../next-field'

export const metadata = { title: 'Sign in' }

export default function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1>Sign in</h1>
      <Suspense>
        <ErrorNotice searchParams={searchParams} />
      </Suspense>
      <form action={signIn} className="stack">
        <Suspense>
          <NextField searchParams={searchParams} />
        </Suspense>
        <label>
          Email
          <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password
          <input name="password" type="password" required autoComplete="current-password" />
        </label>
        <SubmitButton pending="Signing in…">Sign in</SubmitButton>
      </form>
      <p className="muted">
        No account?{' '}
        <Link prefetch={false} href="/sign-up">
          Sign up
        </Link>
      </p>
    </>
  )
}
