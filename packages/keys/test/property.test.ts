import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defineKeys, key } from '../src/index'
import { redisGlobMatch } from './support/redis-glob'

// Templates chosen to sit close together: shared heads, shared tails, a parameter where
// another template has a literal, a slot, a version, two parameters in one segment.
const registry = defineKeys(
  {
    userTier: key('user:tier:{userId}'),
    userProfile: key('user:{userId}:profile'),
    userPrefs: key('user:{userId}:prefs'),
    userPrefsV2: key('user:{userId}:prefs', { version: 2 }),
    userField: key('user:{userId}:field:{field}:x'),
    userSlot: key('user:{userId}:{field}:x', { slot: 'userId' }),
    product: key('product:{id}'),
    products: key('products:all'),
    pair: key('pair:{a}-{b}'),
    bare: key('{anything}'),
  },
  { prefix: 'app:test' },
)
type Name = keyof typeof registry.keys

// Full unicode (astral planes included), plus the characters the escaping must handle.
const nasty = fc.constantFrom(
  ':',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  '\\',
  '%',
  '%3A',
  '%25',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\ufeff',
  'user',
  'tier',
  'profile',
  ':v2',
)
const value = fc
  .array(fc.oneof(fc.string({ unit: 'binary', minLength: 1 }), nasty), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.join(''))

const builds = fc.oneof(
  ...(Object.keys(registry.keys) as Name[]).map((name) =>
    fc.tuple(...registry.keys[name].params.map(() => value)).map((values) => ({
      name,
      params: Object.fromEntries(registry.keys[name].params.map((p, i) => [p, values[i]!])),
    })),
  ),
)

function build(name: Name, params: Record<string, string>): string {
  const builder = registry.keys[name] as unknown as (p: Record<string, string>) => { key: string }
  return builder(params).key
}

describe('keys built from random unicode parameters', () => {
  it('parse() returns exactly the name and parameters they were built from', () => {
    fc.assert(
      fc.property(builds, ({ name, params }) => {
        const parsed = registry.parse(build(name, params))
        expect(parsed?.name).toBe(name)
        expect(parsed?.params).toEqual(params)
      }),
      { numRuns: 2000 },
    )
  })

  it('two distinct (name, parameters) pairs never produce the same key', () => {
    fc.assert(
      fc.property(builds, builds, (a, b) => {
        fc.pre(a.name !== b.name || JSON.stringify(a.params) !== JSON.stringify(b.params))
        expect(build(a.name, a.params)).not.toBe(build(b.name, b.params))
      }),
      { numRuns: 2000 },
    )
  })

  it("match their own template's SCAN pattern and no other template's", () => {
    const definitions = Object.values(registry.keys)
    fc.assert(
      fc.property(builds, ({ name, params }) => {
        const built = build(name, params)
        for (const definition of definitions) {
          expect(
            redisGlobMatch(definition.pattern(), built),
            `${definition.name} vs ${built}`,
          ).toBe(definition.name === name)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('never contain an unescaped glob special, whitespace or control character inside a value', () => {
    fc.assert(
      fc.property(builds, ({ name, params }) => {
        const built = build(name, params)
        const inner = built.replace(/^app:test:/, '')
        expect(inner).not.toMatch(/[*?[\]\\\s\p{Cc}]/u)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('parse() on arbitrary strings', () => {
  it('returns null or a result that builds back to the same string', () => {
    const near = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'app:test:',
            'user:',
            'tier:',
            '(',
            ')',
            '{',
            '}',
            ':profile',
            ':v2',
            '%',
            '%3A',
            '%41',
            '%E9',
            '%C3%A9',
            '-',
            'x',
          ),
          fc.string({ unit: 'binary', maxLength: 3 }),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''))
    fc.assert(
      fc.property(near, (text) => {
        const parsed = registry.parse(text)
        if (parsed) expect(build(parsed.name, parsed.params)).toBe(text)
      }),
      { numRuns: 3000 },
    )
  })
})
