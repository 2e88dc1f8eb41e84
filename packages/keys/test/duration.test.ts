import { durationCases } from '@hotpath/core/testing'
import { describe, expect, it } from 'vitest'
import { defineKeys, KeyError, key } from '../src/index'

// The shared table of duration spellings (@hotpath/core/testing), run against every duration
// option of this package: the same inputs are accepted or refused in every package.
const ttlSeconds = (ttl: unknown) => defineKeys({ k: key('k', { ttl: ttl as '1s' }) }).keys.k.ttl

describe('key ttl reads the shared duration forms', () => {
  it.each(durationCases.accepted)('reads %j as %d ms', (input, ms) => {
    expect(ttlSeconds(input)).toBe(ms / 1000)
  })

  it.each(durationCases.refused.map((value) => [value]))('refuses %j', (value) => {
    expect(() => ttlSeconds(value)).toThrowError(
      expect.objectContaining({
        constructor: KeyError,
        code: 'E_OPTION_INVALID',
        message: expect.stringContaining(`ttl must be a duration such as '250ms', '10s'`),
      }),
    )
  })

  it('reads a bare number as seconds (deprecated)', () => {
    expect(ttlSeconds(durationCases.bareNumber)).toBe(durationCases.bareNumber)
  })
})
