import Link from 'next/link'

export const metadata = { title: 'Not allowed' }

/** Where a signed-in user lands on a page their role does not open. */
export default function ForbiddenPage() {
  return (
    <section className="card status-page" data-testid="forbidden">
      <p className="code">403</p>
      <h1>This page is for administrators</h1>
      <p className="muted">
        Your account can use everything else. Ask an administrator for access.
      </p>
      <Link prefetch={false} href="/account">
        Back to your account
      </Link>
    </section>
  )
}
