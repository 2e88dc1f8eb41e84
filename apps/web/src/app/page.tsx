import Link from 'next/link'
import { Suspense } from 'react'
import { getSession } from '@/lib/session'

export default function Home() {
  return (
    <>
      <h1>hotpath reference app</h1>
      <p>
        Every hotpath pattern in a real page: Redis through the Upstash SDK (a local
        @hotpath/redis-rest by default), Postgres through Drizzle (PGlite by default), Better Auth
        sessions in Redis with a copy in Postgres.
      </p>
      <div className="grid">
        <section className="card">
          <h2>
            <Link prefetch={false} href="/admin">
              Health panel
            </Link>
          </h2>
          <p className="muted">Cache and database latency, driver, breaker, hit rate.</p>
        </section>
        <section className="card">
          <h2>
            <Link prefetch={false} href="/admin/dashboard">
              Dashboard stats
            </Link>
          </h2>
          <p className="muted">An expensive aggregation under admin:dashboard:stats.</p>
        </section>
        <section className="card">
          <h2>
            <Link prefetch={false} href="/products">
              Products
            </Link>
          </h2>
          <p className="muted">'use cache' + tags; edits invalidate hotpath and Next together.</p>
        </section>
        <section className="card">
          <h2>
            <Link prefetch={false} href="/blog">
              Blog
            </Link>
          </h2>
          <p className="muted">Post metadata cached under blog:post:{'{slug}'}:meta.</p>
        </section>
        <section className="card">
          <h2>
            <Link prefetch={false} href="/account">
              Account
            </Link>
          </h2>
          <p className="muted">Tier cache, email change token, API-key limit, beta flag.</p>
        </section>
        <section className="card">
          <h2>
            <Link prefetch={false} href="/admin/keys">
              Key registry
            </Link>
          </h2>
          <p className="muted">Every key the app writes, with TTLs and tags.</p>
        </section>
      </div>
      <Suspense>
        <Welcome />
      </Suspense>
    </>
  )
}

/** Visitors are invited to sign up; a signed-in user is greeted instead. */
async function Welcome() {
  const session = await getSession()
  if (session) {
    return (
      <p className="muted">
        Signed in as {session.user.name || session.user.email}.{' '}
        <Link prefetch={false} href="/account">
          Your account
        </Link>
      </p>
    )
  }
  return (
    <p className="muted">
      New here?{' '}
      <Link prefetch={false} href="/sign-up">
        Create an account
      </Link>{' '}
      (the first one is the admin) or{' '}
      <Link prefetch={false} href="/sign-in">
        sign in
      </Link>
      .
    </p>
  )
}
