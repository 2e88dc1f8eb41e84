import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { deserialize, serialize } from '../src/serializer'

// One seed for every run, so a failure reproduces; FAST_CHECK_SEED picks another.
const seed = Number(process.env.FAST_CHECK_SEED ?? 20261204)
console.info(`serializer-property: fast-check seed ${seed}`)

/** Strings built from the pieces a codec gets wrong, between arbitrary UTF-16 (lone surrogates too). */
const text = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\ud800',
        '\udbff',
        '\udc00',
        '\udfff',
        '\ufeff',
        '😀',
        '𝄞',
        '"',
        '\\',
        '\u0000',
        '\u2028',
        '__hotpath',
        '{"__hotpath":2,"v":["U"]}',
      ),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    { maxLength: 5 },
  )
  .map((pieces) => pieces.join(''))

const key = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '__hotpath',
  ),
  text,
)

/** An object with these own properties, `__proto__` included as plain data. */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of entries) {
    Object.defineProperty(out, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: false }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(objectOf),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
}))

/** JSON as users send it (form input, third-party payloads), hostile keys included. */
const json = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('json')), { maxLength: 4 }).map(objectOf),
  ),
})).json

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort()

describe('serializer (property-based)', () => {
  afterAll(() => {
    // a decoded `__proto__` key that reached a prototype would show here
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore)
  })

  it(`round-trips arbitrary values exactly (seed ${seed})`, () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(deserialize(serialize(input))).toEqual({ ok: true, value: input })
      }),
      { numRuns: 2000, seed },
    )
  })

  it('round-trips JSON parsed from text exactly, its keys staying own data properties', () => {
    fc.assert(
      fc.property(json, (input) => {
        const parsed = JSON.parse(JSON.stringify(input)) as unknown
        const back = deserialize(serialize(parsed))
        expect(back).toEqual({ ok: true, value: parsed })
        // A plain JSON value is stored as that JSON, readable by any client.
        if (!hasOwnMark(parsed)) expect(serialize(parsed)).toBe(JSON.stringify(parsed))
      }),
      { numRuns: 1000, seed },
    )
  })

  it('writes well-formed Unicode whatever the strings hold, so every driver carries it', () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(serialize(input)).not.toMatch(/\p{Surrogate}/u)
      }),
      { numRuns: 1000, seed },
    )
  })

  it('answers arbitrary text with a value or { ok: false }, never a throw', () => {
    const envelopeLike = fc
      .tuple(fc.constantFrom(1, 2, '2', null), fc.jsonValue({ maxDepth: 3 }))
      .map(([mark, v]) => JSON.stringify({ __hotpath: mark, v }))
    fc.assert(
      fc.property(fc.oneof(text, envelopeLike), (raw) => {
        const result = deserialize(raw)
        expect(typeof result.ok).toBe('boolean')
      }),
      { numRuns: 1000, seed },
    )
  })
})

function hasOwnMark(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, '__hotpath')
}
