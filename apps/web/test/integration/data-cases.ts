import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type AppEnv, type RedisMode, useAppEnv } from './app-env'

/** The app's data layer on real PGlite and real Redis: every cached page's contract. */
export function dataCases(mode: Exclude<RedisMode, 'none'>) {
  describe(`app data on PGlite and Redis (${mode})`, () => {
    let env: AppEnv
    let app: Awaited<ReturnType<typeof load>>

    async function load() {
      const [
        db,
        schema,
        dashboard,
        products,
        blog,
        tier,
        email,
        apiKeys,
        flags,
        warm,
        cache,
        redis,
        keys,
      ] = await Promise.all([
        import('../../src/lib/db/client'),
        import('@apps/db/schema'),
        import('../../src/lib/data/dashboard'),
        import('../../src/lib/data/products'),
        import('../../src/lib/data/blog'),
        import('../../src/lib/data/tier'),
        import('../../src/lib/data/email-change'),
        import('../../src/lib/data/api-keys'),
        import('../../src/lib/data/flags'),
        import('../../src/lib/warm'),
        import('../../src/lib/cache'),
        import('../../src/lib/redis'),
        import('../../src/lib/keys'),
      ])
      return {
        db,
        schema,
        dashboard,
        products,
        blog,
        tier,
        email,
        apiKeys,
        flags,
        warm,
        cache,
        redis,
        keys,
      }
    }

    async function createUser(id: string, email: string) {
      const db = await app.db.getDb()
      await db.insert(app.schema.user).values({ id, name: id, email })
    }

    beforeAll(async () => {
      env = await useAppEnv(mode)
      app = await load()
      await app.db.getDb()
    })

    afterAll(async () => {
      await env?.close()
    })

    test('the registry prefixes every key with this run', () => {
      expect(app.keys.keys.adminDashboardStats().key.startsWith(env.runId)).toBe(true)
    })

    test('the dashboard aggregation is a miss once, then a hit with the same value', async () => {
      const first = await app.dashboard.getDashboardStats()
      const second = await app.dashboard.getDashboardStats()
      expect(first.hit).toBe(false)
      expect(second.hit).toBe(true)
      expect(second.value).toEqual(first.value)
      expect(first.value.totals.views).toBe(3000)
      const ttl = await app.redis.getRedis()!.ttl(app.keys.keys.adminDashboardStats().key)
      expect(ttl).toBeGreaterThan(0)
      // Physical expiry = the registry TTL (120 s, jitter only shortens it) + the 30 s grace
      // window + the cache's own margin; well under the 300 s the registry allows at most.
      expect(ttl).toBeGreaterThan(100)
      expect(ttl).toBeLessThan(300)
    })

    test('?fresh=1 aggregates every time and never reports a hit', async () => {
      const a = await app.dashboard.getDashboardStats({ fresh: true })
      const b = await app.dashboard.getDashboardStats({ fresh: true })
      expect([a.hit, b.hit, a.cached]).toEqual([false, false, false])
      expect(b.value.computedAt >= a.value.computedAt).toBe(true)
    })

    test('editing a product and invalidating the products tag shows the new name', async () => {
      // A failed lock release once left the next read waiting out the 5 s lock wait.
      const failures: string[] = []
      const off = app.cache
        .getCache()
        .on('error', (e) => failures.push(`${e.operation}: ${e.error}`))
      const before = await app.products.listProducts()
      expect(before.find((p) => p.id === 'p-scale')?.name).toBe('Brew scale')
      await app.products.updateProduct('p-scale', {
        name: 'Brew scale II',
        description: 'new',
        priceCents: 3600,
      })
      const stale = await app.products.listProducts()
      expect(stale.find((p) => p.id === 'p-scale')?.name).toBe('Brew scale')
      await app.cache.getCache().invalidateTags(['products'])
      const after = await app.products.listProducts()
      expect(after.find((p) => p.id === 'p-scale')?.name).toBe('Brew scale II')
      off()
      expect(failures).toEqual([])
    })

    test('blog metadata round-trips its Date through Redis and is a hit the second time', async () => {
      const first = await app.blog.getPostMeta('cache-aside-in-practice')
      const second = await app.blog.getPostMeta('cache-aside-in-practice')
      expect(first.hit).toBe(false)
      expect(second.hit).toBe(true)
      expect(second.value?.publishedAt).toBeInstanceOf(Date)
      expect(second.value?.publishedAt.getTime()).toBe(first.value?.publishedAt.getTime())
    })

    test('a tier change deletes user:tier:{userId}, so the next read loads the new tier', async () => {
      await createUser('u-tier', 'tier@example.com')
      expect((await app.tier.getUserTier('u-tier')).value).toBe('free')
      expect((await app.tier.getUserTier('u-tier')).hit).toBe(true)
      await app.tier.setUserTier('u-tier', 'pro')
      const after = await app.tier.getUserTier('u-tier')
      expect(after).toMatchObject({ value: 'pro', hit: false })
    })

    test('an email-change token works once, and only one of two concurrent confirmations wins', async () => {
      await createUser('u-mail', 'old@example.com')
      const request = await app.email.requestEmailChange(
        'u-mail',
        'old@example.com',
        'New@Example.com',
      )
      if (!request.ok) throw new Error(`request failed: ${request.reason}`)
      expect(request.expiresIn).toBe(900)
      const ttl = await app.redis
        .getRedis()!
        .ttl(app.keys.keys.verifyEmailChange({ userId: 'u-mail' }).key)
      expect(ttl).toBeGreaterThan(890)
      const results = await Promise.all([
        app.email.confirmEmailChange('u-mail', request.token),
        app.email.confirmEmailChange('u-mail', request.token),
      ])
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, email: 'new@example.com' }])
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'expired-or-used' }])
      expect(await app.email.confirmEmailChange('u-mail', request.token)).toEqual({
        ok: false,
        reason: 'expired-or-used',
      })
    })

    test('a wrong email-change token is refused and burns the pending change', async () => {
      await createUser('u-mail2', 'two@example.com')
      const request = await app.email.requestEmailChange(
        'u-mail2',
        'two@example.com',
        'three@example.com',
      )
      expect(request.ok).toBe(true)
      expect(await app.email.confirmEmailChange('u-mail2', 'not-the-token')).toEqual({
        ok: false,
        reason: 'mismatch',
      })
    })

    test('API-key regeneration is admitted once per day, then refused with a Retry-After near 86400 s', async () => {
      await createUser('u-key', 'key@example.com')
      const first = await app.apiKeys.regenerateApiKey('u-key')
      const second = await app.apiKeys.regenerateApiKey('u-key')
      expect(first.ok).toBe(true)
      expect(second).toMatchObject({ ok: false, reason: 'rate-limited' })
      if (second.ok) throw new Error('unreachable')
      expect(second.retryAfter).toBeGreaterThan(86_390)
      expect(second.retryAfter).toBeLessThanOrEqual(86_400)
      expect((await app.apiKeys.currentApiKey('u-key'))?.keyPrefix).toBe(
        first.ok ? first.prefix : '',
      )
    })

    test('the new-dashboard flag is on for exactly the users added to the set', async () => {
      expect(await app.flags.isNewDashboardEnabled('u-flag')).toBe(false)
      await app.flags.setNewDashboard('u-flag', true)
      expect(await app.flags.isNewDashboardEnabled('u-flag')).toBe(true)
      expect(await app.flags.isNewDashboardEnabled('u-other')).toBe(false)
      await app.flags.setNewDashboard('u-flag', false)
      expect(await app.flags.isNewDashboardEnabled('u-flag')).toBe(false)
    })

    test('warming reports progress for every entry and leaves the product list cached', async () => {
      await app.cache.getCache().invalidateTags(['products'])
      const progress: number[] = []
      const result = await app.warm.warmCache({
        force: true,
        onProgress: (p) => progress.push(p.done),
      })
      expect(result.failed).toEqual([])
      expect(progress.sort((a, b) => a - b)).toEqual(
        Array.from({ length: result.total }, (_, i) => i + 1),
      )
      // dashboard + list + 5 products + 3 posts + one tier per user
      expect(result.total).toBeGreaterThanOrEqual(10)
      const raw = await app.redis.getRedis()!.get(app.keys.keys.productsAll().key)
      expect(raw).not.toBeNull()
    })
  })
}
