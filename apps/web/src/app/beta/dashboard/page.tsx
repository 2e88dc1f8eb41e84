import { Suspense } from 'react'
import { getUserTier } from '@/lib/data/tier'
import { requireSession } from '@/lib/session'
import { CacheBadge } from '../../cache-badge'

export const metadata = { title: 'Dashboard (beta)' }

export default function BetaDashboardPage() {
  return (
    <>
      <h1 data-testid="dashboard-title">New dashboard (beta)</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <Beta />
      </Suspense>
    </>
  )
}

async function Beta() {
  const session = await requireSession('/dashboard')
  const tier = await getUserTier(session.user.id)
  return (
    <div className="grid">
      <section className="card">
        <h2>Hello, {session.user.name}</h2>
        <p className="muted">
          You see this page because your id is in <code>feature:new-dashboard:users</code>; the
          proxy rewrote /dashboard here with one SISMEMBER.
        </p>
      </section>
      <section className="card">
        <h2>Plan</h2>
        <p>
          <strong>{tier.value}</strong> <CacheBadge hit={tier.hit} ms={tier.ms} />
        </p>
      </section>
    </div>
  )
}
