import { describe, expect, test } from 'vitest'
import { type Copier, DecodedValues, jsonCopier } from '../src/decoded'
import { decodePlainEntry, encodeEntry, encodePayload } from '../src/entry'
import { CacheError, createCache, errors } from '../src/index'
import { redisFixture, runId, TARGETS } from './fixtures'

const redis = redisFixture()

/** A copy of `value` by the copier made for it; fails the test when none could be made. */
function copyOf(value: unknown): unknown {
  const copier = jsonCopier(value) as Copier
  expect(copier).toBeTypeOf('function')
  return copier(value)
}

describe('jsonCopier', () => {
  test.each([
    ['an object', '{"id":42,"name":"Ada","flags":["a","b"],"nested":{"x":[1,{"y":null}]}}'],
    ['integer-like keys, which JSON.parse puts first', '{"b":1,"2":2,"a":3,"1":4}'],
    ['an own __proto__ key', '{"__proto__":{"polluted":true},"safe":1}'],
    ['an array of mixed values', '[1,"two",true,null,-0,1.5e300,[],{}]'],
    ['a string', '"plain"'],
    ['a number', '12.5'],
    ['an own __proto__ key holding an array', '{"__proto__":[{"polluted":true}],"safe":[1]}'],
    ['arrays of arrays and of objects', '[[1,[2,[3]]],[{"a":[{}]}],{"b":{"c":{"d":[]}}}]'],
  ])('%s copies to what JSON.parse gives again', (_name, text) => {
    const parsed: unknown = JSON.parse(text)
    const copied = copyOf(parsed)
    expect(copied).toStrictEqual(JSON.parse(text))
    if (typeof parsed === 'object' && parsed !== null) {
      expect(copied).not.toBe(parsed)
      expect(JSON.stringify(copied)).toBe(JSON.stringify(parsed))
      expect(Object.getPrototypeOf(copied)).toBe(Object.getPrototypeOf(parsed))
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('a copy shares no object or array with its source', () => {
    const source = JSON.parse('{"list":[{"n":1}],"inner":{"deep":{"n":2}}}')
    const copied = copyOf(source) as typeof source
    copied.list[0].n = 99
    copied.list.push({ n: 3 })
    copied.inner.deep.n = 99
    expect(source).toEqual({ list: [{ n: 1 }], inner: { deep: { n: 2 } } })
    const again = copyOf(source) as typeof source
    expect(again).toEqual(source)
    expect(again.list).not.toBe(copied.list)
  })

  test('one copier copies its value again and again, each copy its own', () => {
    const source = JSON.parse('{"rows":[{"id":1,"tags":["a"]},{"id":2,"tags":[]}],"n":2}')
    const copier = jsonCopier(source) as Copier
    const first = copier(source) as typeof source
    const second = copier(source) as typeof source
    expect(second).toStrictEqual(source)
    expect(first.rows[0].tags).not.toBe(second.rows[0].tags)
    expect(first.rows[1]).not.toBe(source.rows[1])
  })

  test('a value nested too deep to recurse is reported, not thrown', () => {
    const text = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    const deep: unknown = JSON.parse(text)
    expect(jsonCopier(deep)).toBeUndefined()
  })
})

describe('DecodedValues', () => {
  const raw = async (value: unknown) =>
    encodeEntry(
      { payload: encodePayload(value), createdAt: 1, expiresAt: 2, tags: [], tokens: [] },
      undefined,
    )
  const decode = (values: DecodedValues, key: string, text: string) => {
    const kept = values.match(key, text)
    if (kept) return { ok: true, value: values.copy(kept) }
    return values.decode(
      key,
      text,
      decodePlainEntry(text) as NonNullable<ReturnType<typeof decodePlainEntry>>,
    )
  }

  test('the same text is matched, other text is not, and every caller gets its own copy', async () => {
    const values = new DecodedValues(10_000)
    const first = await raw({ n: 1 })
    const one = decode(values, 'k', first)
    expect(values.match('k', first)).toBeDefined()
    // an equal text that is a different string object still matches
    expect(values.match('k', `${first} `.slice(0, -1))).toBeDefined()
    const two = decode(values, 'k', first)
    const three = decode(values, 'k', first)
    for (const decoded of [one, two, three]) expect(decoded).toEqual({ ok: true, value: { n: 1 } })
    const objects = new Set(
      [one, two, three].map((decoded) => (decoded as { value: unknown }).value),
    )
    expect(objects.size).toBe(3)
    expect(values.match('k', await raw({ n: 2 }))).toBeUndefined()
    expect(values.match('other', first)).toBeUndefined()
  })

  test('values JSON cannot carry are decoded every time, not kept', async () => {
    const values = new DecodedValues(10_000)
    const text = await raw({ when: new Date(5), ids: new Set([1]) })
    const decoded = decode(values, 'k', text)
    expect(decoded).toEqual({ ok: true, value: { when: new Date(5), ids: new Set([1]) } })
    expect(values.match('k', text)).toBeUndefined()
    expect(values.size).toBe(0)
  })

  test('what is kept stays within its character budget, oldest key first out', async () => {
    const text = await raw('x'.repeat(100))
    const values = new DecodedValues(text.length * 4)
    for (const key of ['a', 'b', 'c', 'd', 'e']) decode(values, key, text)
    expect(values.size).toBe(4)
    expect(values.match('a', text)).toBeUndefined()
    expect(values.match('b', text)).toBeDefined()
    expect(values.match('e', text)).toBeDefined()
    // text longer than a quarter of the budget is decoded but never kept
    const big = await raw('y'.repeat(text.length))
    decode(values, 'big', big)
    expect(values.match('big', big)).toBeUndefined()
  })

  test('a budget of 0 keeps nothing', async () => {
    const values = new DecodedValues(0)
    const text = await raw({ n: 1 })
    expect(decode(values, 'k', text)).toEqual({ ok: true, value: { n: 1 } })
    expect(values.size).toBe(0)
  })
})

describe.each(TARGETS)('decoded values reused by the cache on %s', (target) => {
  test('a caller that mutates its value changes nothing for the next reader', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    const key = `${id}:user`
    await cache.set(key, { name: 'Ada', roles: ['admin'] })
    const first = await cache.getOrSet(key, () => ({ name: 'loader', roles: [] as string[] }))
    first.name = 'mutated'
    first.roles.push('root')
    const second = await cache.get<{ name: string; roles: string[] }>(key)
    expect(second).toEqual({ name: 'Ada', roles: ['admin'] })
    second?.roles.pop()
    const third = await cache.get<{ name: string; roles: string[] }>(key)
    expect(third).toEqual({ name: 'Ada', roles: ['admin'] })
    expect(new Set([first, second, third]).size).toBe(3)
    expect(cache.stats().default).toMatchObject({ hits: 3, loaderRuns: 0 })
  })

  test('a value another instance wrote is read, never the one kept from before', async () => {
    const id = runId()
    const reader = createCache({ redis: await redis.connect(target), prefix: id })
    const writer = createCache({ redis: await redis.connect(target), prefix: id })
    const key = `${id}:config`
    await writer.set(key, { version: 1 })
    expect(await reader.get(key)).toEqual({ version: 1 })
    expect(await reader.get(key)).toEqual({ version: 1 })
    await writer.set(key, { version: 2 })
    expect(await reader.get(key)).toEqual({ version: 2 })
    // same value, new entry (new expiry in its header): still read correctly
    await writer.set(key, { version: 2 }, { ttl: 120 })
    expect(await reader.getOrSet(key, () => ({ version: -1 }))).toEqual({ version: 2 })
  })

  test('an entry past its ttl is judged on every read, kept or not', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect(target), prefix: id })
    const key = `${id}:short`
    await cache.set(key, 'v', { ttl: 1, grace: 60 })
    expect(await cache.get(key)).toBe('v')
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect(await cache.get(key)).toBeUndefined()
    expect(await cache.getOrSet(key, () => 'fresh', { grace: 60, softTimeout: 1000 })).toBe('fresh')
  })

  test('compressed entries and values with Dates read the same with reuse on or off', async () => {
    const id = runId()
    const value = { when: new Date(7), text: 'z'.repeat(4000) }
    for (const reuseDecoded of [true, false]) {
      const cache = createCache({
        redis: await redis.connect(target),
        prefix: id,
        compression: { threshold: 1024 },
        reuseDecoded,
      })
      const key = `${id}:${String(reuseDecoded)}`
      await cache.set(key, value)
      for (let read = 0; read < 3; read++) expect(await cache.get(key)).toEqual(value)
      const plain = `${key}:plain`
      await cache.set(plain, { text: 'p'.repeat(4000) })
      for (let read = 0; read < 3; read++) {
        expect(await cache.get(plain)).toEqual({ text: 'p'.repeat(4000) })
      }
    }
  })
})

test('a malformed reuseDecoded budget is refused with E_OPTION_INVALID', () => {
  for (const maxChars of [-1, 1.5, Number.NaN]) {
    let caught: unknown
    try {
      createCache({ redis: null, reuseDecoded: { maxChars } })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CacheError)
    expect((caught as CacheError).code).toBe(errors.E_OPTION_INVALID)
  }
})
