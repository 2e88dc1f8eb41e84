import Link from 'next/link'
import { Suspense } from 'react'
import { getUserTier } from '@/lib/data/tier'
import { requireSession } from '@/lib/session'
import { CacheBadge } from '../cache-badge'

export const metadata = { title: 'Dashboard' }

export default function DashboardPage() {
  return (
    <>
      <h1 data-testid="dashboard-title">Dashboard</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <Welcome />
      </Suspense>
    </>
  )
}

async function Welcome() {
  const session = await requireSession('/dashboard')
  const tier = await getUserTier(session.user.id)
  return (
    <div className="card">
      <p>
        Welcome back, {session.user.name}. Your plan: <strong>{tier.value}</strong>{' '}
        <CacheBadge hit={tier.hit} ms={tier.ms} />
      </p>
      <p className="muted">
        This is the classic dashboard. Join the beta on your{' '}
        <Link prefetch={false} href="/account">
          account page
        </Link>{' '}
        to be rewritten to the new one.
      </p>
    </div>
  )
}
