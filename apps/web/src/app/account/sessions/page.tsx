import { headers } from 'next/headers'
import { Suspense } from 'react'
import { revokeOtherSessions, revokeSession, signOutEverywhere } from '@/lib/actions/account'
import { getAuth } from '@/lib/auth'
import { deviceName } from '@/lib/device'
import type { SearchParams } from '@/lib/page'
import { requireSession } from '@/lib/session'
import { ErrorNotice } from '../../error-notice'

export const metadata = { title: 'My sessions' }

export default function SessionsPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1>My sessions</h1>
      <Suspense fallback={<p className="muted">Loading sessions…</p>}>
        <ErrorNotice searchParams={searchParams} />
        <Sessions />
      </Suspense>
    </>
  )
}

async function Sessions() {
  const current = await requireSession('/account/sessions')
  const auth = await getAuth()
  const sessions = await auth.api.listSessions({ headers: await headers() })
  return (
    <>
      <p className="muted">
        Sessions are read from Redis (Better Auth secondary storage) and kept in Postgres too, so a
        Redis flush signs nobody out.
      </p>
      <table data-testid="sessions">
        <thead>
          <tr>
            <th>Created</th>
            <th>Expires</th>
            <th>Device</th>
            <th>IP</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-current={s.token === current.session.token ? 'yes' : 'no'}>
              <td>{new Date(s.createdAt).toISOString().slice(0, 19).replace('T', ' ')}</td>
              <td>{new Date(s.expiresAt).toISOString().slice(0, 10)}</td>
              <td title={s.userAgent ?? undefined}>{deviceName(s.userAgent)}</td>
              <td>{s.ipAddress ?? ''}</td>
              <td>
                {s.token === current.session.token ? (
                  <span className="badge status-green">this session</span>
                ) : (
                  <form action={revokeSession}>
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" className="secondary">
                      Revoke
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row" style={{ marginTop: '1rem' }}>
        <form action={revokeOtherSessions}>
          <button type="submit" className="secondary">
            Sign out other sessions
          </button>
        </form>
        <form action={signOutEverywhere}>
          <button type="submit" className="danger">
            Sign out everywhere
          </button>
        </form>
      </div>
    </>
  )
}
