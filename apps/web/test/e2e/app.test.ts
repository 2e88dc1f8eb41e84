import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { awayFromWindowEdge } from '@hotpath/test-redis'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  assertChromium,
  CHROMIUM,
  type RunningStack,
  resultsDir,
  startStack,
} from './stack-fixture'

const EMAIL = 'ada@example.com'
const PASSWORD = 'correct horse battery'

describe('the reference app in Chromium, against next build + next start', () => {
  let stack: RunningStack
  let context: BrowserContext
  let page: Page
  let profile: string

  async function shot(name: string) {
    await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true })
  }

  async function go(path: string) {
    await page.goto(`${stack.url}${path}`, { waitUntil: 'networkidle' })
  }

  async function signIn() {
    await go('/sign-in')
    await page.fill('input[name=email]', EMAIL)
    await page.fill('input[name=password]', PASSWORD)
    await Promise.all([page.waitForURL('**/account'), page.click('main button[type=submit]')])
  }

  /** A second device: a session created over HTTP, returned as its Cookie header. */
  async function signInElsewhere(): Promise<string> {
    const response = await fetch(`${stack.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: stack.url,
        'user-agent': 'second-device',
      },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    })
    expect(response.status).toBe(200)
    return response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
  }

  async function sessionOf(cookie: string): Promise<unknown> {
    const response = await fetch(`${stack.url}/api/auth/get-session`, { headers: { cookie } })
    return response.json()
  }

  beforeAll(async () => {
    assertChromium()
    mkdirSync(resultsDir, { recursive: true })
    stack = await startStack()
    profile = mkdtempSync(join(tmpdir(), 'hotpath-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: 900 },
    })
    page = context.pages()[0] ?? (await context.newPage())
  })

  afterAll(async () => {
    // A failed run keeps the server's output next to the screenshots.
    if (stack) writeFileSync(join(resultsDir, 'stack.log'), stack.log())
    await context?.close()
    await stack?.stop()
    if (profile) rmSync(profile, { recursive: true, force: true })
  })

  test('sign up creates the first account, which lands on its account page', async () => {
    await go('/sign-up')
    await page.fill('input[name=name]', 'Ada')
    await page.fill('input[name=email]', EMAIL)
    await page.fill('input[name=password]', PASSWORD)
    await Promise.all([page.waitForURL('**/account'), page.click('main button[type=submit]')])
    await expect.poll(() => page.textContent('[data-testid=email]')).toBe(EMAIL)
    await shot('account')
  })

  test('sign out, then sign in with the same password', async () => {
    await Promise.all([page.waitForURL('**/sign-in**'), page.click('text=Sign out')])
    // Signed out, the account page redirects (from inside its streamed Suspense boundary).
    await go('/account')
    await page.waitForURL('**/sign-in**')
    await signIn()
    expect(await page.textContent('[data-testid=email]')).toBe(EMAIL)
  })

  test('the health panel shows the cache green, with driver and breaker, and the database', async () => {
    // Latency is measured per request; on a busy machine one PING can be slow, so look a few times.
    let status: string | null = null
    for (let attempt = 0; attempt < 5 && status !== 'green'; attempt++) {
      await go('/admin')
      status = await page.getAttribute('[data-testid=cache-card]', 'data-status')
    }
    expect(status).toBe('green')
    const card = (await page.textContent('[data-testid=cache-card]')) ?? ''
    expect(card).toContain('http')
    expect(card).toContain('closed')
    expect(await page.textContent('[data-testid=database-card]')).toContain('PGlite')
    await shot('admin-health')
  })

  test('the dashboard stats are a miss, then a hit', async () => {
    await go('/admin/dashboard')
    const first = await page.getAttribute('[data-cache]', 'data-cache')
    await go('/admin/dashboard')
    expect(await page.getAttribute('[data-cache]', 'data-cache')).toBe('hit')
    expect(first).toBe('miss')
    await shot('admin-dashboard')
    // The JSON route reads the same entry, started alongside its session check.
    const json = await page.request.get(`${stack.url}/api/admin/dashboard-stats`)
    expect(json.status()).toBe(200)
    expect(json.headers()['x-hotpath-cache']).toBe('hit')
    expect(((await json.json()) as { totals: { views: number } }).totals.views).toBeGreaterThan(0)
    const anonymous = await fetch(`${stack.url}/api/admin/dashboard-stats`)
    expect(anonymous.status).toBe(401)
  })

  /** Keys of the stack's Redis matching `pattern`. */
  async function keys(pattern: string): Promise<string[]> {
    const found: string[] = []
    for await (const batch of stack.redis().scan({ match: pattern })) found.push(...batch)
    return found
  }

  test('the product page is served from cache until an edit invalidates it', async () => {
    await go('/products')
    const renderedAt = await page.textContent('[data-testid=rendered-at]')
    await go('/products')
    expect(await page.textContent('[data-testid=rendered-at]')).toBe(renderedAt)
    // Both Next caches live in Redis (the hotpath handlers), not in Next's memory: the
    // 'use cache' entry of the product table, and the page's shell in the incremental cache.
    expect((await keys('*cache:next:use-cache:*')).length).toBeGreaterThan(0)
    const pages = await keys('*cache:next:isr:*APP_PAGE*')
    expect(pages.some((key) => key.endsWith('/products)'))).toBe(true)
    await go('/products/p-kettle/edit')
    const name = `Kettle ${Date.now()}`
    await page.fill('input[name=name]', name)
    await Promise.all([page.waitForURL('**/products?**'), page.click('main button[type=submit]')])
    expect(await page.textContent('[data-product=p-kettle]')).toContain(name)
    expect(await page.textContent('[data-testid=rendered-at]')).not.toBe(renderedAt)
    // The invalidation went through the tag manifest in Redis, where every instance sees it.
    expect(await keys('*cache:next:tag:(products)')).toHaveLength(1)
    await shot('products')
  })

  test('a second API-key regeneration the same day is refused with a clear message', async () => {
    await go('/account')
    await Promise.all([page.waitForURL('**/account?**'), page.click('text=Regenerate API key')])
    expect(await page.textContent('[data-testid=api-key]')).toMatch(/^hp_/)
    await page.click('text=Regenerate API key')
    // The refusal arrives as a redirect to the same path with ?error=…
    const alert = (await page.locator('p.notice.error').textContent({ timeout: 30_000 })) ?? ''
    expect(alert).toContain('once a day')
    expect(alert).toMatch(/Try again in 2[34] h \d+ min/)
    await shot('api-key-limited')
    // The same limit for scripts: a 429 with Retry-After and every rate-limit header.
    const response = await page.request.post(`${stack.url}/api/account/api-key`)
    expect(response.status()).toBe(429)
    const headers = response.headers()
    expect(Number(headers['retry-after'])).toBeGreaterThan(86_000)
    expect(headers['x-ratelimit-limit']).toBe('1')
    expect(headers['x-ratelimit-remaining']).toBe('0')
    expect(headers['ratelimit-policy']).toBe('"apiKeyRegen";q=1;w=86400')
    expect(headers.ratelimit).toMatch(/^"apiKeyRegen";r=0;t=8\d{4}$/)
  })

  test('my sessions lists both devices; revoking one ends it, signing out everywhere ends all', async () => {
    const other = await signInElsewhere()
    expect(await sessionOf(other)).not.toBeNull()
    await go('/account/sessions')
    expect(await page.locator('[data-testid=sessions] tbody tr').count()).toBe(2)
    await shot('sessions')
    await Promise.all([
      page.waitForURL('**/account/sessions?**'),
      page.click('[data-current=no] button:has-text("Revoke")'),
    ])
    expect(await page.locator('[data-testid=sessions] tbody tr').count()).toBe(1)
    expect(await sessionOf(other)).toBeNull()
    const third = await signInElsewhere()
    await go('/account/sessions')
    await Promise.all([page.waitForURL('**/sign-in**'), page.click('text=Sign out everywhere')])
    expect(await sessionOf(third)).toBeNull()
    await go('/account')
    await page.waitForURL('**/sign-in**')
  })

  test('users in feature:new-dashboard:users are rewritten to /beta/dashboard', async () => {
    await signIn()
    await go('/dashboard')
    expect(await page.textContent('[data-testid=dashboard-title]')).toBe('Dashboard')
    await go('/account')
    await page.check('input[name=enabled]')
    await Promise.all([page.waitForURL('**/account?**'), page.click('text=Save')])
    await go('/dashboard')
    expect(new URL(page.url()).pathname).toBe('/dashboard')
    expect(await page.textContent('[data-testid=dashboard-title]')).toBe('New dashboard (beta)')
    await shot('beta-dashboard')
  })

  test('the key registry and the rate-limit chart render', async () => {
    await go('/admin/keys')
    const table = (await page.textContent('[data-testid=key-registry]')) ?? ''
    expect(table).toContain('verify:email-change:{userId}')
    expect(table).toContain('user:tier:{userId}')
    await shot('key-registry')
    await go('/admin/ratelimit')
    // A real chart: bars, and axes with ticks (the attempts of the sign-in tests above).
    await page.locator('[data-testid=ratelimit-chart] .recharts-bar-rectangle').first().waitFor()
    expect(
      await page.locator('[data-testid=ratelimit-chart] .recharts-cartesian-axis-tick').count(),
    ).toBeGreaterThan(2)
    await go('/admin/dashboard')
    await page.locator('[data-testid=views-chart] .recharts-bar-rectangle').first().waitFor()
    await shot('ratelimit-chart')
  })

  test('signing in returns to the page that asked for it', async () => {
    await context.clearCookies()
    await go('/account/sessions')
    await page.waitForURL('**/sign-in?next=%2Faccount%2Fsessions')
    await page.fill('input[name=email]', EMAIL)
    await page.fill('input[name=password]', PASSWORD)
    await Promise.all([
      page.waitForURL('**/account/sessions'),
      page.click('main button[type=submit]'),
    ])
    expect(new URL(page.url()).pathname).toBe('/account/sessions')
  })

  test('an email change is confirmed on 127.0.0.1 and the account page shows it at once', async () => {
    expect(new URL(stack.url).hostname).toBe('127.0.0.1')
    await go('/account')
    const next = `ada.${Date.now()}@example.com`
    await page.fill('input[name=email][type=email]', next)
    await Promise.all([page.waitForURL('**/account?**'), page.click('text=Send verification link')])
    await Promise.all([
      page.waitForURL('**/account?ok=**'),
      page.click('[data-testid=verify-link]'),
    ])
    expect(new URL(page.url()).origin).toBe(stack.url)
    expect(await page.textContent('p.notice.ok')).toContain(`Email changed to ${next}`)
    expect(await page.textContent('[data-testid=email]')).toBe(next)
    // Change it back, so later sign-ins use the address the suite knows.
    await page.fill('input[name=email][type=email]', EMAIL)
    await Promise.all([page.waitForURL('**/account?**'), page.click('text=Send verification link')])
    await Promise.all([
      page.waitForURL('**/account?ok=**'),
      page.click('[data-testid=verify-link]'),
    ])
    expect(await page.textContent('[data-testid=email]')).toBe(EMAIL)
  })

  test('25 wrong passwords in the form end in "try again in …", and the HTTP path answers 429 with every header', async () => {
    const victim = 'grace@example.com'
    await context.clearCookies()
    // All 25 inside one minute of the sliding window, which is cut on the epoch.
    await awayFromWindowEdge(60_000, 29_000)
    const messages: string[] = []
    for (let i = 0; i < 25; i++) {
      await go('/sign-in')
      await page.fill('input[name=email]', victim)
      await page.fill('input[name=password]', `wrong password ${i}`)
      await Promise.all([page.waitForURL('**/sign-in?**'), page.click('main button[type=submit]')])
      messages.push((await page.locator('p.notice.error').textContent()) ?? '')
    }
    // The first ten are ordinary failures; from then on the limit answers, saying when.
    expect(messages.slice(0, 10).every((m) => !m.includes('Try again'))).toBe(true)
    expect(
      messages.slice(10).every((m) => /Too many attempts\. Try again in \d+ s\./.test(m)),
    ).toBe(true)
    await shot('sign-in-limited')
    const response = await fetch(`${stack.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: JSON.stringify({ email: victim, password: 'wrong again' }),
    })
    expect(response.status).toBe(429)
    const retryAfter = Number(response.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(response.headers.get('x-ratelimit-limit')).toBe('10')
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    expect(response.headers.get('ratelimit-policy')).toBe('"auth";q=10;w=60')
    expect(response.headers.get('ratelimit')).toMatch(/^"auth";r=0;t=\d+$/)
    const body = (await response.json()) as { message: string }
    expect(body.message).toMatch(/Try again in \d+ s/)
    // An admitted attempt on another account carries the same headers, with what is left.
    const other = await fetch(`${stack.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong' }),
    })
    expect(other.status).toBe(401)
    expect(other.headers.get('x-ratelimit-remaining')).toBe('9')
    expect(other.headers.get('ratelimit')).toMatch(/^"auth";r=9;t=\d+$/)
    expect(other.headers.get('retry-after')).toBeNull()
  })

  test('a second user sees no Admin link and gets the 403 page on /admin; unknown paths get the 404 page', async () => {
    await context.clearCookies()
    await go('/sign-up')
    await page.fill('input[name=name]', 'Bea')
    await page.fill('input[name=email]', 'bea@example.com')
    await page.fill('input[name=password]', PASSWORD)
    await Promise.all([page.waitForURL('**/account'), page.click('main button[type=submit]')])
    expect(await page.textContent('[data-testid=header-user]')).toBe('Bea')
    expect(await page.locator('header.top a[href="/admin"]').count()).toBe(0)
    await go('/admin')
    await page.waitForURL('**/forbidden')
    expect(await page.textContent('[data-testid=forbidden] h1')).toContain('administrators')
    expect(await page.content()).not.toContain('admin-only')
    const missing = await page.goto(`${stack.url}/no/such/page`)
    expect(missing?.status()).toBe(404)
    expect(await page.textContent('[data-testid=not-found] h1')).toContain('no page here')
    await context.clearCookies()
  })

  test('every page at 375 px and 1280 px, light and dark: no console errors, no failed requests', async () => {
    await signIn()
    await page.waitForLoadState('networkidle')
    const problems: string[] = []
    let current = ''
    const onConsole = (m: { type(): string; text(): string }) => {
      // The 404 page's own document status is logged by Chromium; that one is intended.
      if (m.type() === 'error' && current !== '/no/such/page') problems.push(`console: ${m.text()}`)
    }
    // ERR_ABORTED is the browser cancelling a request because the test navigated on (the
    // sign-in action's follow-up fetch, say), not a request that failed.
    const onFailed = (r: { url(): string; failure(): { errorText: string } | null }) => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') {
        problems.push(`failed on ${current}: ${r.url()} ${r.failure()?.errorText}`)
      }
    }
    const onResponse = (r: { url(): string; status(): number }) => {
      if (r.status() >= 400 && !r.url().endsWith('/no/such/page')) {
        problems.push(`${r.status()}: ${r.url()}`)
      }
    }
    page.on('console', onConsole)
    page.on('requestfailed', onFailed)
    page.on('response', onResponse)
    const pages = [
      '/',
      '/products',
      '/blog',
      '/dashboard',
      '/account',
      '/account/sessions',
      '/admin',
      '/admin/dashboard',
      '/admin/ratelimit',
      '/admin/keys',
      '/no/such/page',
    ]
    try {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme })
        for (const width of [375, 1280]) {
          await page.setViewportSize({ width, height: 900 })
          for (const path of pages) {
            current = path
            await go(path)
            // Nothing wider than the viewport: no sideways scrolling at 375 px.
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth)
            if (overflow > width) problems.push(`${path} at ${width} px is ${overflow} px wide`)
            const name = path === '/' ? 'home' : path.slice(1).replaceAll('/', '-')
            await shot(`page-${name}-${width}-${colorScheme}`)
          }
        }
      }
    } finally {
      page.off('console', onConsole)
      page.off('requestfailed', onFailed)
      page.off('response', onResponse)
      await page.emulateMedia({ colorScheme: 'light' })
      await page.setViewportSize({ width: 1200, height: 900 })
    }
    expect(problems).toEqual([])
  })
})
