import type { StandardSchemaV1 } from '@standard-schema/spec'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineKeys, key, ttlWithJitter, validate } from '../src/index'

const asyncPositive: StandardSchemaV1<unknown, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) =>
      typeof value === 'number' && value > 0
        ? { value }
        : { issues: [{ message: 'expected a positive number' }] },
  },
}

const { keys } = defineKeys(
  {
    zodProfile: key('profile:{id}', { schema: z.object({ name: z.string() }) }),
    valibotPrefs: key('prefs:{id}', { schema: v.object({ theme: v.picklist(['dark', 'light']) }) }),
    trimmed: key('trimmed:{id}', { schema: z.string().trim() }),
    counter: key('counter', { schema: asyncPositive }),
    raw: key('raw'),
    stats: key('admin:dashboard:stats', { ttl: '3m', jitter: 0.5 }),
    fixed: key('fixed', { ttl: 60 }),
    tiny: key('tiny', { ttl: 1, jitter: 0.9 }),
  },
  { prefix: '' },
)

describe('validate()', () => {
  it('accepts a value that satisfies a zod schema', async () => {
    expect(await validate(keys.zodProfile, { name: 'Ada' })).toEqual({
      ok: true,
      value: { name: 'Ada' },
    })
  })

  it('returns issues, not an exception, for a value that fails a valibot schema', async () => {
    const result = await validate(keys.valibotPrefs({ id: 1 }), { theme: 'sepia' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.issues.length).toBeGreaterThan(0)
  })

  it('returns the schema output, not the input', async () => {
    expect(await validate(keys.trimmed, '  x  ')).toEqual({ ok: true, value: 'x' })
  })

  it('awaits an asynchronous Standard Schema', async () => {
    expect(await validate(keys.counter, 3)).toEqual({ ok: true, value: 3 })
    expect(await validate(keys.counter(), -1)).toEqual({
      ok: false,
      issues: [{ message: 'expected a positive number' }],
    })
  })

  it('passes any value through when the key has no schema', async () => {
    const value = { anything: [1, 2] }
    const result = await validate(keys.raw, value)
    expect(result).toEqual({ ok: true, value })
  })
})

describe('ttlWithJitter()', () => {
  it('spreads the ttl by at most ± jitter × ttl', () => {
    expect(ttlWithJitter(keys.stats, () => 0)).toBe(90)
    expect(ttlWithJitter(keys.stats, () => 0.5)).toBe(180)
    expect(ttlWithJitter(keys.stats, () => 0.999_999)).toBe(270)
    for (let i = 0; i < 1000; i++) {
      const ttl = ttlWithJitter(keys.stats())!
      expect(ttl).toBeGreaterThanOrEqual(90)
      expect(ttl).toBeLessThanOrEqual(270)
      expect(Number.isInteger(ttl)).toBe(true)
    }
  })

  it('returns the ttl unchanged without jitter, and undefined without ttl', () => {
    expect(ttlWithJitter(keys.fixed(), () => 0)).toBe(60)
    expect(ttlWithJitter(keys.raw())).toBeUndefined()
  })

  it('never returns less than one second', () => {
    expect(ttlWithJitter(keys.tiny, () => 0)).toBe(1)
  })
})
