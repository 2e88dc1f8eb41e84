import { describe, expect, it } from 'vitest'
import { defineKeys } from '../src/index'
import { referenceKeys, referenceRegistry } from '../src/reference'
import { redisGlobMatch } from './support/redis-glob'

describe('the reference registry', () => {
  const registry = defineKeys(referenceKeys, { prefix: 'web' })

  it("holds seed 000's and seed 001's templates with their TTLs", () => {
    const rows = Object.fromEntries(registry.describe().map((row) => [row.template, row.ttl]))
    expect(rows).toEqual({
      'admin:dashboard:stats': 180,
      'user:tier:{userId}': 60,
      'blog:post:{slug}:meta': 600,
      'verify:email-change:{userId}': 900,
      'ratelimit:api-key-regen:{userId}': 86_400,
      'user:{userId}:profile': 300,
      'user:{userId}:subscription': 300,
      'user:{userId}:prefs': 300,
      'product:{id}': 300,
      'products:all': 300,
      'products:featured': 300,
    })
  })

  it('spreads the admin stats ttl over the 60–300 s the seed suggests', () => {
    const { ttl, jitter } = registry.keys.adminDashboardStats
    expect(ttl! * (1 - jitter)).toBeCloseTo(60)
    expect(ttl! * (1 + jitter)).toBeCloseTo(300)
  })

  it('builds the seed keys, with parameters bracketed', () => {
    expect(registry.keys.userTier({ userId: 'u_1' }).key).toBe('web:user:tier:(u_1)')
    expect(registry.keys.blogPostMeta({ slug: 'my-post' }).key).toBe('web:blog:post:(my-post):meta')
    expect(registry.keys.userProfile({ userId: 'u_1' }).tags).toEqual(['user:u_1'])
    expect(registry.keys.products().key).toBe('web:products:all')
  })

  it('keeps every key to its own SCAN pattern, including user:tier:{userId} next to user:{userId}:profile', () => {
    const built = [
      registry.keys.userTier({ userId: 'profile' }).key,
      registry.keys.userProfile({ userId: 'tier' }).key,
      registry.keys.productById({ id: 'all' }).key,
      registry.keys.products().key,
    ]
    for (const key of built) {
      const owners = Object.values(registry.keys).filter((d) => redisGlobMatch(d.pattern(), key))
      expect(owners.map((d) => d.name)).toEqual([registry.parse(key)?.name])
    }
  })

  it('is exported ready-made under the default prefix', () => {
    expect(Object.keys(referenceRegistry.keys)).toEqual(Object.keys(referenceKeys))
  })
})
