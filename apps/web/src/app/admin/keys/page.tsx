import { connection } from 'next/server'
import { Suspense } from 'react'
import { registry } from '@/lib/keys'
import { requireAdmin } from '@/lib/session'

export const metadata = { title: 'Key registry' }

export default function KeysPage() {
  return (
    <>
      <h1>Key registry</h1>
      <p className="muted">
        Every Redis key this app writes, from <code>src/lib/keys.ts</code> (
        <code>registry.describe()</code>).
      </p>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <KeyTable />
      </Suspense>
    </>
  )
}

function ttl(seconds: number | null, jitter: number): string {
  if (seconds === null) return 'no expiry'
  const base =
    seconds % 86_400 === 0
      ? `${seconds / 86_400} d`
      : seconds % 3600 === 0
        ? `${seconds / 3600} h`
        : seconds % 60 === 0 && seconds >= 600
          ? `${seconds / 60} min`
          : `${seconds} s`
  return jitter > 0 ? `${base} ± ${Math.round(jitter * 100)} %` : base
}

async function KeyTable() {
  await connection()
  await requireAdmin('/admin/keys')
  const rows = registry.describe()
  return (
    <table data-testid="key-registry">
      <thead>
        <tr>
          <th>Name</th>
          <th>Template</th>
          <th>TTL</th>
          <th>Tags</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.name}>
            <td>{row.name}</td>
            <td>
              <code>{row.template}</code>
            </td>
            <td>{ttl(row.ttl, row.jitter)}</td>
            <td>{row.tags.length ? row.tags.map((t) => <code key={t}>{t} </code>) : '—'}</td>
            <td>{row.description ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
