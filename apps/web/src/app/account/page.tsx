import Link from 'next/link'
import { Suspense } from 'react'
import {
  changeTier,
  regenerateKey,
  startEmailChange,
  toggleNewDashboard,
} from '@/lib/actions/account'
import { signOut } from '@/lib/actions/auth'
import { currentApiKey } from '@/lib/data/api-keys'
import { isNewDashboardEnabled } from '@/lib/data/flags'
import { getUserTier, TIERS } from '@/lib/data/tier'
import { param, type SearchParams } from '@/lib/page'
import { requireSession } from '@/lib/session'
import { CopyButton } from '../buttons'
import { CacheBadge } from '../cache-badge'
import { ErrorNotice } from '../error-notice'

export const metadata = { title: 'Account' }

export default function AccountPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1>Account</h1>
      <Suspense fallback={<p className="muted">Loading your account…</p>}>
        <ErrorNotice searchParams={searchParams} />
        <Account searchParams={searchParams} />
      </Suspense>
    </>
  )
}

async function Account({ searchParams }: { searchParams: SearchParams }) {
  const session = await requireSession()
  const params = await searchParams
  const userId = session.user.id
  const [tier, key, beta] = await Promise.all([
    getUserTier(userId),
    currentApiKey(userId),
    isNewDashboardEnabled(userId),
  ])
  const verify = param(params, 'verify')
  const newKey = param(params, 'apiKey')
  return (
    <div className="grid">
      <section className="card">
        <h2>Profile</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{session.user.name}</dd>
          <dt>Email</dt>
          <dd data-testid="email">{session.user.email}</dd>
          <dt>Role</dt>
          <dd>{session.user.role}</dd>
        </dl>
        <form action={signOut} className="row" style={{ marginTop: '1rem' }}>
          <button type="submit" className="secondary">
            Sign out
          </button>
          <Link prefetch={false} href="/account/sessions">
            My sessions
          </Link>
        </form>
      </section>

      <section className="card">
        <h2>Plan tier</h2>
        <p>
          <strong data-testid="tier">{tier.value}</strong>{' '}
          <CacheBadge hit={tier.hit} ms={tier.ms} />
        </p>
        <p className="muted">
          Cached under <code>user:tier:{'{userId}'}</code> for 60 s; changing it deletes the entry.
        </p>
        <form action={changeTier} className="row">
          <select name="tier" defaultValue={tier.value} aria-label="Tier">
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <button type="submit">Change tier</button>
        </form>
      </section>

      <section className="card">
        <h2>Change email</h2>
        <form action={startEmailChange} className="stack">
          <label>
            New email
            <input name="email" type="email" required />
          </label>
          <button type="submit">Send verification link</button>
        </form>
        {verify ? (
          <p className="notice">
            Dev mailbox:{' '}
            <a
              href={`/account/email/verify?token=${encodeURIComponent(verify)}`}
              data-testid="verify-link"
            >
              confirm the new address
            </a>
          </p>
        ) : null}
      </section>

      <section className="card">
        <h2>API key</h2>
        <p className="muted">
          {key ? (
            <>
              Current key starts with <code>{key.keyPrefix}</code>, created{' '}
              {key.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.
            </>
          ) : (
            'No API key yet.'
          )}
        </p>
        {newKey ? (
          <p className="notice ok">
            <code data-testid="api-key">{newKey}</code> <CopyButton value={newKey} />
          </p>
        ) : null}
        <form action={regenerateKey}>
          <button type="submit">Regenerate API key</button>
        </form>
        <p className="muted">Limited to once per day per user.</p>
      </section>

      <section className="card">
        <h2>New dashboard (beta)</h2>
        <form action={toggleNewDashboard} className="row">
          <label className="row">
            <input type="checkbox" name="enabled" defaultChecked={beta} /> Use the new dashboard
          </label>
          <button type="submit" className="secondary">
            Save
          </button>
        </form>
        <p className="muted">
          Members of <code>feature:new-dashboard:users</code> are rewritten from{' '}
          <Link prefetch={false} href="/dashboard">
            /dashboard
          </Link>{' '}
          to /beta/dashboard by the proxy.
        </p>
      </section>
    </div>
  )
}
