import Link from 'next/link'
import { Suspense } from 'react'
import { getDashboardStats } from '@/lib/data/dashboard'
import { param, type SearchParams } from '@/lib/page'
import { requireAdmin } from '@/lib/session'
import { CacheBadge } from '../../cache-badge'
import { ViewsByDayChart } from '../../charts'

export const metadata = { title: 'Dashboard stats' }

export default function AdminDashboardPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1>Dashboard stats</h1>
      <Suspense fallback={<p className="muted">Aggregating…</p>}>
        <Stats searchParams={searchParams} />
      </Suspense>
    </>
  )
}

async function Stats({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin('/admin/dashboard')
  const fresh = param(await searchParams, 'fresh') === '1'
  const stats = await getDashboardStats({ fresh })
  const { totals, byPath, byDay, computedAt } = stats.value
  return (
    <>
      <p className="row">
        {stats.cached ? (
          <CacheBadge hit={stats.hit} ms={stats.ms} />
        ) : (
          <span className="badge status-red" data-cache="bypass">
            uncached · {stats.ms.toFixed(1)} ms
          </span>
        )}
        <span className="muted">
          Computed at {computedAt}. Cached under <code>admin:dashboard:stats</code> with the
          registry's TTL (120 s ± 10 %).
        </span>
        {fresh ? (
          <Link prefetch={false} href="/admin/dashboard">
            Use the cache
          </Link>
        ) : (
          <Link prefetch={false} href="/admin/dashboard?fresh=1">
            Aggregate without the cache
          </Link>
        )}
      </p>
      <div className="grid">
        <section className="card">
          <h2>Views (30 days)</h2>
          <p style={{ fontSize: '1.8rem', margin: 0 }}>{totals.views.toLocaleString('en')}</p>
        </section>
        <section className="card">
          <h2>Visitors</h2>
          <p style={{ fontSize: '1.8rem', margin: 0 }}>{totals.users.toLocaleString('en')}</p>
        </section>
        <section className="card">
          <h2>Average time on page</h2>
          <p style={{ fontSize: '1.8rem', margin: 0 }}>{totals.avgMs} ms</p>
        </section>
      </div>
      <h2>By page</h2>
      <table>
        <thead>
          <tr>
            <th>Path</th>
            <th>Views</th>
            <th>Visitors</th>
            <th>Average</th>
            <th>p95</th>
          </tr>
        </thead>
        <tbody>
          {byPath.map((row) => (
            <tr key={row.path}>
              <td>
                <code>{row.path}</code>
              </td>
              <td>{row.views.toLocaleString('en')}</td>
              <td>{row.users}</td>
              <td>{row.avgMs} ms</td>
              <td>{row.p95Ms} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>By day</h2>
      <ViewsByDayChart data={byDay.map((d) => ({ day: d.day, views: d.views }))} />
    </>
  )
}
