import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineKeys, key } from '../src/index'
import { expectKeyError } from './support/expect-key-error'
import { redisGlobMatch } from './support/redis-glob'

describe('parse()', () => {
  const registry = defineKeys(
    {
      userTier: key('user:tier:{userId}'),
      userProfile: key('user:{userId}:profile'),
      rl: key('rl:{identifier}:{window}', { slot: 'identifier' }),
      products: key('products:all'),
      session: key('session:{tokenHash}', { version: 3 }),
    },
    { prefix: 'app' },
  )

  it('returns the name, decoded params and definition of a built key', () => {
    const parsed = registry.parse('app:rl:{ip%3A1}:(60)')
    expect(parsed).toEqual({
      name: 'rl',
      params: { identifier: 'ip:1', window: '60' },
      definition: registry.keys.rl,
    })
    expect(registry.parse('app:products:all')?.name).toBe('products')
    expect(registry.parse('app:session:(t):v3')?.params).toEqual({ tokenHash: 't' })
  })

  it('tells a parameter from a literal even when the value equals the literal', () => {
    // Without brackets, user:tier:profile would be both userTier(profile) and userProfile(tier).
    const tier = registry.keys.userTier({ userId: 'profile' }).key
    const profile = registry.keys.userProfile({ userId: 'tier' }).key
    expect(tier).not.toBe(profile)
    expect(registry.parse(tier)?.name).toBe('userTier')
    expect(registry.parse(profile)?.name).toBe('userProfile')
  })

  it.each([
    ['app:user:tier:42', 'unbracketed value'],
    ['user:tier:(42)', 'missing prefix'],
    ['app:user:tier:()', 'empty value'],
    ['app:user:tier:(4:2)', 'raw colon inside a value'],
    ['app:user:tier:(4 2)', 'raw space inside a value'],
    ['app:user:tier:(%41)', 'needlessly escaped character'],
    ['app:user:tier:(%3a)', 'lower-case escape'],
    ['app:user:tier:(%E9)', 'invalid UTF-8 escape'],
    ['app:user:tier:(%ED%A0%80)', 'escaped lone surrogate'],
    ['app:user:tier:(42', 'unclosed bracket'],
    ['app:user:tier:(42))', 'stray closing bracket'],
    ['app:user:tier:{42}', 'hash tag where a plain parameter belongs'],
    ['app:rl:(ip):(60)', 'plain parameter where the slot belongs'],
    ['app:session:(t)', 'missing version'],
    ['app:session:(t):v2', 'old version'],
    ['app:products:all:extra', 'trailing text'],
    ['', 'empty string'],
  ])('returns null for %j (%s)', (text) => {
    expect(registry.parse(text)).toBeNull()
  })

  it('returns null for a non-string input', () => {
    expect(registry.parse(42 as unknown as string)).toBeNull()
  })
})

describe('collisions', () => {
  it('refuses two definitions with the same name when extending, naming both', () => {
    const base = defineKeys({ userTier: key('user:tier:{userId}') })
    const error = expectKeyError(
      () => base.extend({ userTier: key('user:level:{userId}') }),
      'E_KEY_COLLISION',
    )
    expect(error.message).toContain("'user:tier:{userId}'")
    expect(error.message).toContain("'user:level:{userId}'")
  })

  it('refuses the same name from a merged registry', () => {
    const a = defineKeys({ x: key('a:{id}') }, { prefix: 'a' })
    const b = defineKeys({ x: key('b:{id}') }, { prefix: 'b' })
    expectKeyError(() => a.extend(b), 'E_KEY_COLLISION')
  })

  it('refuses two templates that differ only in parameter names, naming both', () => {
    const error = expectKeyError(
      () => defineKeys({ profile: key('user:{userId}:profile'), other: key('user:{id}:profile') }),
      'E_KEY_COLLISION',
    )
    expect(error.message).toContain('"profile"')
    expect(error.message).toContain('"other"')
  })

  it('refuses a template that spells out the version segment of a versioned one', () => {
    expectKeyError(
      () => defineKeys({ a: key('a:{x}', { version: 2 }), b: key('a:{x}:v2') }),
      'E_KEY_COLLISION',
    )
  })

  it('refuses identical templates that come from two teams under the same prefix', () => {
    const teamA = defineKeys({ stats: key('admin:dashboard:stats') }, { prefix: 'app' })
    const teamB = defineKeys({ dashboard: key('admin:dashboard:stats') }, { prefix: 'app' })
    expectKeyError(() => teamA.extend(teamB), 'E_KEY_COLLISION')
  })

  it('allows identical templates under different prefixes', () => {
    const teamA = defineKeys({ a: key('admin:dashboard:stats') }, { prefix: 'a' })
    const teamB = defineKeys({ b: key('admin:dashboard:stats') }, { prefix: 'b' })
    const merged = teamA.extend(teamB)
    expect(merged.keys.a().key).toBe('a:admin:dashboard:stats')
    expect(merged.keys.b().key).toBe('b:admin:dashboard:stats')
    expect(merged.parse('b:admin:dashboard:stats')?.name).toBe('b')
  })

  it('allows the same template under two versions', () => {
    const registry = defineKeys({
      v1: key('s:{id}', { version: 1 }),
      v2: key('s:{id}', { version: 2 }),
    })
    expect(registry.keys.v1({ id: 1 }).key).toBe('s:(1):v1')
    expect(registry.keys.v2({ id: 1 }).key).toBe('s:(1):v2')
  })

  it("allows templates where one has a parameter in place of the other's literal", () => {
    const registry = defineKeys({ tier: key('user:tier:{id}'), profile: key('user:{id}:profile') })
    expect(Object.keys(registry.keys)).toEqual(['tier', 'profile'])
  })
})

describe('SCAN patterns', () => {
  it('writes each parameter as a bracketed star, prefix and version included', () => {
    const { keys } = defineKeys(
      {
        tier: key('user:tier:{userId}'),
        rl: key('rl:{identifier}:{window}', { slot: 'identifier' }),
        all: key('products:all'),
        session: key('session:{id}', { version: 2 }),
      },
      { prefix: 'app' },
    )
    expect(keys.tier.pattern()).toBe('app:user:tier:(*)')
    expect(keys.rl.pattern()).toBe('app:rl:{*}:(*)')
    expect(keys.all.pattern()).toBe('app:products:all')
    expect(keys.session.pattern()).toBe('app:session:(*):v2')
  })

  it("keeps 'user:{id}' from matching 'user:{id}:profile' keys and vice versa", () => {
    const { keys } = defineKeys({ user: key('user:{id}'), profile: key('user:{id}:profile') })
    const profileKey = keys.profile({ id: 'x' }).key
    const userKey = keys.user({ id: 'x:profile' }).key
    expect(redisGlobMatch(keys.user.pattern(), profileKey)).toBe(false)
    expect(redisGlobMatch(keys.profile.pattern(), userKey)).toBe(false)
    expect(redisGlobMatch(keys.user.pattern(), userKey)).toBe(true)
    expect(redisGlobMatch(keys.profile.pattern(), profileKey)).toBe(true)
  })

  it.each([
    ['user:{id}', 'user:{id}:posts:{postId}'],
    ['user:{id}', 'user:{id}:{field}'],
    ['cache:{key}:data', 'cache:{ns}:{key}:data'],
    ['a:{x}:b:{y}:c', 'a:{x}:b:{y}:d:{z}:c'],
  ])(
    "refuses '%s' next to '%s' with E_KEY_PATTERN_OVERLAP, because one star would span the other's parameters",
    (shorter, longer) => {
      const error = expectKeyError(
        () => defineKeys({ shorter: key(shorter), longer: key(longer) }),
        'E_KEY_PATTERN_OVERLAP',
      )
      expect(error.message).toContain('"shorter"')
      expect(error.message).toContain('"longer"')
      // The refusal is not over-cautious: the pattern really matches a key of the other.
      const registry = defineKeys({ longer: key(longer) })
      const params = Object.fromEntries(registry.keys.longer.params.map((p) => [p, 'v']))
      const built = (registry.keys.longer as unknown as (p: object) => { key: string })(params).key
      const alone = defineKeys({ shorter: key(shorter) })
      expect(redisGlobMatch(alone.keys.shorter.pattern(), built)).toBe(true)
    },
  )

  it.each([
    ['user:{id}:self', 'user:{id}:posts:{postId}'],
    ['user:{id}', 'user:{id}:posts:{postId}:x'],
    ['cache:{key}:data', 'cache:{ns}:{key}:meta'],
    ['a:{x}', 'b:{x}:{y}'],
    ['rl:{id}', 'rl:{id}:{window}:x'],
  ])("allows '%s' next to '%s'", (a, b) => {
    expect(() => defineKeys({ a: key(a), b: key(b) })).not.toThrow()
  })

  it('allows a slot and a plain parameter in the same place, since { and ( never match each other', () => {
    const { keys } = defineKeys({ a: key('x:{id}', { slot: 'id' }), b: key('x:{id}:{more}') })
    expect(redisGlobMatch(keys.a.pattern(), keys.b({ id: 1, more: 2 }).key)).toBe(false)
  })
})

describe('extend()', () => {
  const base = defineKeys({ userTier: key('user:tier:{userId}') }, { prefix: 'app' })

  it('builds new specs under the prefix of the registry being extended', () => {
    const extended = base.extend({ session: key('session:{id}') })
    expect(extended.keys.session({ id: 1 }).key).toBe('app:session:(1)')
    expect(extended.keys.userTier).toBe(base.keys.userTier)
    expect(extended.prefix).toBe('app')
  })

  it('leaves the original registry unchanged', () => {
    base.extend({ session: key('session:{id}') })
    expect(Object.keys(base.keys)).toEqual(['userTier'])
    expect(base.parse('app:session:(1)')).toBeNull()
  })

  it('parses keys of both sides after a merge', () => {
    const other = defineKeys(
      { limit: key('ratelimit:{identifier}:{window}', { slot: 'identifier' }) },
      { prefix: 'rl' },
    )
    const merged = base.extend(other)
    expect(merged.parse('rl:ratelimit:{u1}:(60)')?.name).toBe('limit')
    expect(merged.parse('app:user:tier:(u1)')?.name).toBe('userTier')
  })

  it('returns a frozen registry with frozen keys', () => {
    expect(Object.isFrozen(base)).toBe(true)
    expect(Object.isFrozen(base.keys)).toBe(true)
  })
})

describe('describe()', () => {
  it('returns one row per key with template, pattern, ttl, tags, version, slot, schema and description', () => {
    const registry = defineKeys(
      {
        userTier: key('user:tier:{userId}', {
          ttl: '60s',
          jitter: 0.1,
          tags: (p) => [`user:${p.userId}`, 'tiers'],
          description: 'Resolved user tier',
          schema: z.enum(['free', 'pro']),
        }),
        products: key('products:all', { tags: ['products'], version: 2 }),
        rl: key('rl:{identifier}:{window}', { slot: 'identifier' }),
      },
      { prefix: 'app' },
    )
    expect(registry.describe()).toEqual([
      {
        name: 'userTier',
        template: 'user:tier:{userId}',
        pattern: 'app:user:tier:(*)',
        ttl: 60,
        jitter: 0.1,
        tags: ['user:{userId}', 'tiers'],
        tagsDerived: true,
        version: null,
        slot: null,
        schema: 'zod',
        description: 'Resolved user tier',
      },
      {
        name: 'products',
        template: 'products:all',
        pattern: 'app:products:all:v2',
        ttl: null,
        jitter: 0,
        tags: ['products'],
        tagsDerived: false,
        version: 2,
        slot: null,
        schema: null,
        description: null,
      },
      {
        name: 'rl',
        template: 'rl:{identifier}:{window}',
        pattern: 'app:rl:{*}:(*)',
        ttl: null,
        jitter: 0,
        tags: [],
        tagsDerived: false,
        version: null,
        slot: 'identifier',
        schema: null,
        description: null,
      },
    ])
  })
})
