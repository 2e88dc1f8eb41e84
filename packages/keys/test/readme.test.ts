import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineKeys, key, ttlWithJitter, validate } from '../src/index'

// The README's 30-second example, line by line.
describe('the README example', () => {
  const registry = defineKeys(
    {
      userTier: key('user:tier:{userId}', {
        ttl: '60s',
        schema: z.enum(['free', 'pro']),
        tags: (p) => [`user:${p.userId}`],
        description: 'Resolved user tier after a subscription check',
      }),
      products: key('products:all', { ttl: '5m', jitter: 0.1, tags: ['products'] }),
      session: key('session:{tokenHash}', { ttl: '7d', version: 2 }),
      window: key('ratelimit:{identifier}:{window}', { slot: 'identifier' }),
    },
    { prefix: 'shop' },
  )

  it('produces the documented keys, ttls, tags and parse result', async () => {
    const ref = registry.keys.userTier({ userId: 42 })
    expect(ref.key).toBe('shop:user:tier:(42)')
    expect(`${ref}`).toBe('shop:user:tier:(42)')
    expect(ref.ttl).toBe(60)
    expect(ref.tags).toEqual(['user:42'])
    expect(ttlWithJitter(ref)).toBe(60)
    const productsTtl = ttlWithJitter(registry.keys.products())!
    expect(productsTtl).toBeGreaterThanOrEqual(270)
    expect(productsTtl).toBeLessThanOrEqual(330)
    expect(await validate(ref, 'pro')).toEqual({ ok: true, value: 'pro' })
    expect(registry.keys.products().key).toBe('shop:products:all')
    expect(registry.keys.session({ tokenHash: 'abc' }).key).toBe('shop:session:(abc):v2')
    expect(registry.keys.window({ identifier: 'ip:1', window: 60 }).key).toBe(
      'shop:ratelimit:{ip%3A1}:(60)',
    )
    expect(registry.keys.userTier.pattern()).toBe('shop:user:tier:(*)')
    expect(registry.parse('shop:user:tier:(42)')).toEqual({
      name: 'userTier',
      params: { userId: '42' },
      definition: registry.keys.userTier,
    })
  })
})
