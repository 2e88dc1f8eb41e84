'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getAuth } from '../auth'
import { formatRetryAfter, regenerateApiKey } from '../data/api-keys'
import { requestEmailChange } from '../data/email-change'
import { setNewDashboard } from '../data/flags'
import { isTier, setUserTier } from '../data/tier'
import { checkLimit, refusalMessage } from '../ratelimit'
import { requireSession } from '../session'

function back(params: Record<string, string>): never {
  redirect(`/account?${new URLSearchParams(params)}`)
}

export async function changeTier(form: FormData): Promise<void> {
  const session = await requireSession()
  const tier = form.get('tier')
  if (!isTier(tier)) back({ error: 'Unknown tier.' })
  await setUserTier(session.user.id, tier)
  back({ ok: `Tier changed to ${tier}; the cached tier was invalidated.` })
}

export async function startEmailChange(form: FormData): Promise<void> {
  const session = await requireSession()
  const email = String(form.get('email') ?? '')
  // Each request mints a token: counted in the user's `auth` bucket like a sign-in attempt.
  const verdict = await checkLimit('auth', `user:${session.user.id}`)
  if (verdict.limited && !verdict.success) back({ error: refusalMessage(verdict, 'Email change') })
  const result = await requestEmailChange(session.user.id, session.user.email, email)
  if (!result.ok) {
    const messages = {
      'no-redis': 'Email change needs Redis for its single-use token; none is configured.',
      'invalid-email': 'That is not an email address.',
      'same-email': 'That is already your email address.',
    }
    back({ error: messages[result.reason] })
  }
  // No mail server in the reference app: the "mailbox" is this page.
  back({ ok: 'Verification link created (valid 15 minutes, usable once).', verify: result.token })
}

export async function regenerateKey(): Promise<void> {
  const session = await requireSession()
  const result = await regenerateApiKey(session.user.id)
  if (!result.ok) {
    back({
      error: `API keys can be regenerated once a day. Try again in ${formatRetryAfter(result.retryAfter)}.`,
    })
  }
  back({ ok: 'New API key created. Copy it now: it is shown once.', apiKey: result.key })
}

export async function toggleNewDashboard(form: FormData): Promise<void> {
  const session = await requireSession()
  const enabled = form.get('enabled') === 'on'
  const saved = await setNewDashboard(session.user.id, enabled)
  if (!saved) back({ error: 'Feature flags need Redis; none is configured.' })
  back({ ok: enabled ? 'You are in the new-dashboard beta.' : 'You left the new-dashboard beta.' })
}

export async function revokeSession(form: FormData): Promise<void> {
  await requireSession()
  const id = String(form.get('id') ?? '')
  const auth = await getAuth()
  const requestHeaders = await headers()
  // The page posts a session id, never a token: tokens stay out of the HTML.
  const sessions = await auth.api.listSessions({ headers: requestHeaders })
  const target = sessions.find((s) => s.id === id)
  if (!target) redirect('/account/sessions?error=That+session+no+longer+exists.')
  await auth.api.revokeSession({ body: { token: target.token }, headers: requestHeaders })
  redirect('/account/sessions?ok=Session+revoked.')
}

export async function revokeOtherSessions(): Promise<void> {
  await requireSession()
  const auth = await getAuth()
  await auth.api.revokeOtherSessions({ headers: await headers() })
  redirect('/account/sessions?ok=Signed+out+of+every+other+session.')
}

export async function signOutEverywhere(): Promise<void> {
  await requireSession()
  const auth = await getAuth()
  await auth.api.revokeSessions({ headers: await headers() })
  await auth.api.signOut({ headers: await headers() }).catch(() => {})
  redirect('/sign-in?ok=Signed+out+everywhere.')
}
