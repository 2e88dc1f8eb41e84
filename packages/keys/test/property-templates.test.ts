import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defineKeys, type KeyDefinition, KeyError, key } from '../src/index'
import { redisGlobMatch } from './support/redis-glob'

// Random templates from a tiny alphabet, so that shared heads, tails and middles are common.
const template = fc
  .array(fc.oneof(fc.constantFrom('a', 'b', ':', 'a:', ':b', '-'), fc.constant(null)), {
    minLength: 1,
    maxLength: 6,
  })
  .map((tokens) => {
    let param = 0
    return tokens.map((t) => (t === null ? `{p${param++}}` : t)).join('')
  })
const spec = fc.record({
  template,
  slotFirst: fc.boolean(),
  version: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
})
const value = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
  fc.constantFrom('a', 'b', ':', 'a:b', '(', ')', '{', '}', 'v2', ':v2'),
)

type Spec = { template: string; slotFirst: boolean; version: number | undefined }

function define(a: Spec, b: Spec) {
  const make = (s: Spec) =>
    key(s.template, {
      version: s.version,
      slot: s.slotFirst && s.template.includes('{p0}') ? 'p0' : undefined,
    })
  return defineKeys({ a: make(a), b: make(b) }, { prefix: 'px' })
}

function build(definition: KeyDefinition, values: readonly string[]): string {
  const params = Object.fromEntries(
    definition.params.map((p, i) => [p, values[i % values.length]!]),
  )
  return (definition as unknown as (p: object) => { key: string })(params).key
}

describe('any two random templates', () => {
  it('are accepted only if their keys and patterns stay apart, and refused only if they do not', () => {
    fc.assert(
      fc.property(spec, spec, fc.array(value, { minLength: 1, maxLength: 6 }), (sa, sb, values) => {
        let registry: ReturnType<typeof define>
        try {
          registry = define(sa, sb)
        } catch (error) {
          expect(error).toBeInstanceOf(KeyError)
          const code = (error as KeyError).code
          const alone = [
            define(sa, { template: 'other', slotFirst: false, version: undefined }).keys.a,
            define({ template: 'other2', slotFirst: false, version: undefined }, sb).keys.b,
          ]
          const [da, db] = alone as [KeyDefinition, KeyDefinition]
          if (code === 'E_KEY_COLLISION') {
            // Same shape: the same values build the same key.
            expect(build(da, ['v'])).toBe(build(db, ['v']))
          } else {
            expect(code).toBe('E_KEY_PATTERN_OVERLAP')
            // A real overlap: one pattern matches a key of the other.
            expect(
              redisGlobMatch(da.pattern(), build(db, ['v'])) ||
                redisGlobMatch(db.pattern(), build(da, ['v'])),
            ).toBe(true)
          }
          return
        }
        const { a, b } = registry.keys
        const ka = build(a, values)
        const kb = build(b, values)
        expect(ka).not.toBe(kb)
        expect(redisGlobMatch(a.pattern(), ka)).toBe(true)
        expect(redisGlobMatch(b.pattern(), kb)).toBe(true)
        expect(redisGlobMatch(a.pattern(), kb)).toBe(false)
        expect(redisGlobMatch(b.pattern(), ka)).toBe(false)
        expect(registry.parse(ka)?.name).toBe('a')
        expect(registry.parse(kb)?.name).toBe('b')
      }),
      { numRuns: 3000 },
    )
  })
})
