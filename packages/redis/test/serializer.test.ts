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
