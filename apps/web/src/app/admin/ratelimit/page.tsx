import type { AnalyticsPoint } from '@hotpath/ratelimit'
import { Suspense } from 'react'
import { getAuthLimiter } from '@/lib/ratelimit'
import { requireAdmin } from '@/lib/session'
import { RatelimitChart } from '../../charts'

export const metadata = { title: 'Rate-limit analytics' }

export default function RatelimitPage() {
  return (
    <>
      <h1>Rate-limit analytics</h1>
      <p className="muted">
        Sign-in and sign-up attempts per minute over the last hour, from the per-minute counters
        @hotpath/ratelimit writes off the request path.
      </p>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <Chart />
      </Suspense>
    </>
  )
}

type Bucket = { time: number; allowed: number; blocked: number; denied: number }

function perMinute(points: AnalyticsPoint[], since: number, minutes: number): Bucket[] {
  const buckets: Bucket[] = Array.from({ length: minutes }, (_, i) => ({
    time: since + i * 60_000,
    allowed: 0,
    blocked: 0,
    denied: 0,
  }))
  for (const p of points) {
    const bucket = buckets[Math.floor((p.time - since) / 60_000)]
    if (!bucket) continue
    bucket.allowed += p.allowed
    bucket.blocked += p.blocked
    bucket.denied += p.denied
  }
  return buckets
}

async function Chart() {
  await requireAdmin('/admin/ratelimit')
  const limiter = getAuthLimiter()
  if (!limiter)
    return <p className="notice error">Rate-limit analytics need Redis; none is configured.</p>
  const minutes = 60
  const since = Math.floor(Date.now() / 60_000) * 60_000 - (minutes - 1) * 60_000
  let points: AnalyticsPoint[]
  try {
    points = await limiter.getAnalytics({ since })
  } catch (error) {
    return (
      <p className="notice error">
        Could not read the analytics: {error instanceof Error ? error.message : String(error)}
      </p>
    )
  }
  const buckets = perMinute(points, since, minutes)
  const totals = buckets.reduce(
    (t, b) => ({ allowed: t.allowed + b.allowed, blocked: t.blocked + b.blocked + b.denied }),
    { allowed: 0, blocked: 0 },
  )
  const identifiers = new Set(points.map((p) => p.identifier)).size
  return (
    <>
      <p className="row">
        <span className="badge status-green">allowed {totals.allowed}</span>
        <span className="badge status-red">blocked {totals.blocked}</span>
        <span className="muted">{identifiers} identifiers</span>
      </p>
      <RatelimitChart
        data={buckets.map((b) => ({
          minute: new Date(b.time).toISOString().slice(11, 16),
          allowed: b.allowed,
          blocked: b.blocked + b.denied,
        }))}
      />
    </>
  )
}
