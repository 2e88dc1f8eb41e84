import Link from 'next/link'
import { Suspense } from 'react'
import { type CacheHealth, cacheHealth, type DatabaseHealth, databaseHealth } from '@/lib/health'
import { requireAdmin } from '@/lib/session'

export const metadata = { title: 'Infrastructure health' }

export default function AdminPage() {
  return (
    <>
      <h1>Infrastructure health</h1>
      <p className="row">
        <Link prefetch={false} href="/admin/dashboard">
          Dashboard stats
        </Link>
        <Link prefetch={false} href="/admin/keys">
          Key registry
        </Link>
        <Link prefetch={false} href="/admin/ratelimit">
          Rate-limit analytics
        </Link>
      </p>
      <Suspense fallback={<p className="muted">Checking…</p>}>
        <Panel />
      </Suspense>
    </>
  )
}

async function Panel() {
  await requireAdmin()
  const [cache, database] = await Promise.all([cacheHealth(), databaseHealth()])
  return (
    <div className="grid">
      <CacheCard health={cache} />
      <DatabaseCard health={database} />
    </div>
  )
}

function Status({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="status">
      <span className="dot" />
      {status}
    </span>
  )
}

function ms(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(1)} ms`
}

function CacheCard({ health }: { health: CacheHealth }) {
  return (
    <section className="card" data-testid="cache-card" data-status={health.status}>
      <h2>
        Cache <Status status={health.status} />
      </h2>
      <dl className="facts">
        <dt>Latency</dt>
        <dd className={`status-${health.status}`}>{ms(health.latencyMs)}</dd>
        <dt>Driver</dt>
        <dd>{health.driver}</dd>
        <dt>Where</dt>
        <dd>{health.location}</dd>
        <dt>Breaker</dt>
        <dd>{health.breaker}</dd>
        <dt>Hit rate</dt>
        <dd>
          {health.hitRate === null ? 'no reads yet' : `${(health.hitRate * 100).toFixed(1)} %`}
        </dd>
      </dl>
      {health.error ? <p className="notice error">{health.error}</p> : null}
      <p className="muted">Green below 50 ms, yellow 50–150 ms, red above or on failure.</p>
    </section>
  )
}

function DatabaseCard({ health }: { health: DatabaseHealth }) {
  return (
    <section className="card" data-testid="database-card" data-status={health.status}>
      <h2>
        Database <Status status={health.status} />
      </h2>
      <dl className="facts">
        <dt>Latency</dt>
        <dd className={`status-${health.status}`}>{ms(health.latencyMs)}</dd>
        <dt>Engine</dt>
        <dd>{health.kind}</dd>
        <dt>Where</dt>
        <dd>{health.location}</dd>
        <dt>Users</dt>
        <dd>{health.users ?? '—'}</dd>
        <dt>Sessions (Postgres)</dt>
        <dd>{health.sessions ?? '—'}</dd>
      </dl>
      {health.error ? <p className="notice error">{health.error}</p> : null}
    </section>
  )
}
