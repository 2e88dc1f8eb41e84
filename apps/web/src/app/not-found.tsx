import Link from 'next/link'

export const metadata = { title: 'Not found' }

export default function NotFound() {
  return (
    <section className="card status-page" data-testid="not-found">
      <p className="code">404</p>
      <h1>There is no page here</h1>
      <p className="muted">The link may be old, or the address mistyped.</p>
      <Link prefetch={false} href="/">
        Go to the home page
      </Link>
    </section>
  )
}
