import { describe, expect, it } from 'vitest'
import { deserialize, serialize } from '../src/serializer'

describe('serializer', () => {
  it('stores plain JSON values as plain JSON, readable by any client', () => {
    expect(serialize({ a: 1, b: ['x'] })).toBe('{"a":1,"b":["x"]}')
    expect(serialize('hello')).toBe('"hello"')
    expect(serialize(42)).toBe('42')
  })

  it('keeps a string that looks like JSON a string', () => {
    for (const value of ['{"a":1}', '[1,2]', '42', 'null', 'true', '"quoted"']) {
      expect(deserialize(serialize(value))).toEqual({ ok: true, value })
    }
  })

  it('round-trips Date, Map, Set, BigInt, undefined and RegExp losslessly', () => {
    const value = {
      date: new Date('2020-01-01T00:00:00.001Z'),
      map: new Map([['k', new Set([1n])]]),
      missing: undefined,
      pattern: /a+b/gi,
    }
    const back = deserialize<typeof value>(serialize(value))
    expect(back).toEqual({ ok: true, value })
    expect(back.ok && back.value.date).toBeInstanceOf(Date)
    expect(back.ok && back.value.map.get('k')).toBeInstanceOf(Set)
  })

  it('round-trips top-level undefined', () => {
    expect(deserialize(serialize(undefined))).toEqual({ ok: true, value: undefined })
  })

  it('does not mistake a user object carrying the envelope marker for an envelope', () => {
    const value = { __hotpath: 1, json: 'not mine', meta: { values: { json: ['Date'] } } }
    expect(deserialize(serialize(value))).toEqual({ ok: true, value })
  })

  it('reports corrupt input as { ok: false } instead of throwing', () => {
    for (const raw of [
      '{not json',
      '',
      'undefined',
      '{"__hotpath":1,"json":"x","meta":{"values":"bogus"}}',
    ]) {
      expect(deserialize(raw)).toEqual({ ok: false })
    }
  })
})

describe('serializer: user data that names prototype members (issue 13, item 6)', () => {
  const hostile: [string, unknown][] = [
    ['a constructor key', { constructor: 'Ferrari' }],
    ['a prototype key', { prototype: { price: 1 } }],
    ['a __proto__ key from JSON.parse', JSON.parse('{"__proto__":{"admin":true}}')],
    ['the keys deep inside arrays', { list: [JSON.parse('{"a":{"__proto__":[1]}}')] }],
    ['the keys beside a Date', { constructor: 'x', at: new Date(0) }],
    [
      'a __proto__ key beside a Map',
      Object.assign(JSON.parse('{"__proto__":{"x":1}}'), { m: new Map([[1, 2]]) }),
    ],
    ['the keys as Map keys and values', new Map([['constructor', { prototype: 1 }]])],
  ]
  for (const [label, value] of hostile) {
    it(`round-trips ${label} exactly`, () => {
      const back = deserialize(serialize(value))
      expect(back).toEqual({ ok: true, value })
    })
  }

  it('keeps a __proto__ key an own data property and never touches a prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"at":"x"}')
    // spread defines own properties, so `__proto__` stays data here too
    const withDate = { ...value, when: new Date(1) }
    for (const input of [value, withDate]) {
      const back = deserialize<Record<string, unknown>>(serialize(input))
      expect(back.ok).toBe(true)
      if (!back.ok) continue
      expect(Object.getPrototypeOf(back.value)).toBe(Object.prototype)
      expect(Object.hasOwn(back.value, '__proto__')).toBe(true)
      expect(Object.getOwnPropertyDescriptor(back.value, '__proto__')?.value).toEqual({
        polluted: true,
      })
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    }
  })

  it('round-trips an invalid Date as an invalid Date, not null', () => {
    for (const value of [new Date(Number.NaN), { at: new Date(Number.NaN) }, [new Date('x')]]) {
      const back = deserialize(serialize(value))
      expect(back).toEqual({ ok: true, value })
    }
    const back = deserialize<Date>(serialize(new Date(Number.NaN)))
    expect(back.ok && back.value).toBeInstanceOf(Date)
    expect(back.ok && Number.isNaN(back.value.getTime())).toBe(true)
  })
})
