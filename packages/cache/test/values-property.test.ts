import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createCache, errors } from '../src/index'
import { redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

// One seed for every run, so a failure reproduces; FAST_CHECK_SEED picks another.
const seed = Number(process.env.FAST_CHECK_SEED ?? 20261204)
console.info(`values-property: fast-check seed ${seed}`)
/** Per driver: each run is a few round trips, so the whole file stays within seconds. */
const numRuns = 150

// The same generators as @hotpath/redis's serializer-property test (packages do not import
// each other's tests): the pieces a codec or a transport gets wrong.
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
        'J{"p":1}',
      ),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    { maxLength: 5 },
  )
  .map((pieces) => pieces.join(''))

const propertyName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '__hotpath'),
  text,
)

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
    fc.bigInt(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: false }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(propertyName, tie('value')), { maxLength: 4 }).map(objectOf),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
}))

const hasLoneSurrogate = (s: string) => /\p{Surrogate}/u.test(s)
const goodSuffix = text.filter((s) => !hasLoneSurrogate(s))
const loneSuffix = text.filter(hasLoneSurrogate)

describe.each(TARGETS)('cache values and keys (property-based), %s', (target) => {
  test(`set() then get() returns every value exactly, under any well-formed key (seed ${seed})`, async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    let n = 0
    await fc.assert(
      fc.asyncProperty(goodSuffix, value, async (suffix, input) => {
        const k = `${id}:${n++}:${suffix}`
        const stored = await cache.set(k, input, { ttl: 60 })
        // null and undefined are not cached unless a negative ttl says so
        if (input === null || input === undefined) {
          expect(stored).toBe(false)
          return
        }
        expect(stored).toBe(true)
        expect(await cache.get(k)).toEqual(input)
        // the second read of the same text may reuse the decoded value: still exact
        expect(await cache.get(k)).toEqual(input)
      }),
      { numRuns, seed },
    )
  }, 120_000)

  test('a value with constructor, prototype and __proto__ keys is cached: the loader runs once', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    const values = [
      { constructor: 'Ferrari' },
      { car: { prototype: 'F40' } },
      JSON.parse('{"__proto__":{"admin":true},"at":"x"}'),
      { at: new Date(Number.NaN), constructor: { prototype: [1] } },
    ]
    for (const [index, input] of values.entries()) {
      let runs = 0
      const loader = () => {
        runs++
        return input
      }
      const k = `${id}:proto:${index}`
      for (let call = 0; call < 3; call++) expect(await cache.getOrSet(k, loader)).toEqual(input)
      expect(runs).toBe(1)
      expect(await cache.set(`${k}:set`, input)).toBe(true)
    }
    expect(({} as { admin?: unknown }).admin).toBeUndefined()
  })

  test('getOrSet() runs the loader once for any value, then serves it from Redis', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    let n = 0
    await fc.assert(
      fc.asyncProperty(
        value.filter((v) => v !== null && v !== undefined),
        async (input) => {
          const k = `${id}:gos:${n++}`
          let runs = 0
          const loader = () => {
            runs++
            return input
          }
          expect(await cache.getOrSet(k, loader, { ttl: 60 })).toEqual(input)
          expect(await cache.getOrSet(k, loader, { ttl: 60 })).toEqual(input)
          expect(runs).toBe(1)
        },
      ),
      { numRuns: Math.ceil(numRuns / 3), seed },
    )
  }, 120_000)

  test('a key with a lone surrogate is refused with E_INVALID_ARGUMENT, never aliased', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    await fc.assert(
      fc.asyncProperty(loneSuffix, async (suffix) => {
        const k = `${id}:${suffix}`
        await expect(cache.set(k, 'v')).rejects.toMatchObject({ code: errors.E_INVALID_ARGUMENT })
        await expect(cache.get(k)).rejects.toMatchObject({ code: errors.E_INVALID_ARGUMENT })
      }),
      { numRuns: 50, seed },
    )
    // what a lossy driver would have written in their place was never written
    expect(await cache.get(`${id}:\ufffd`)).toBeUndefined()
  }, 60_000)
})
