import { durationCases } from '@hotpath/core/testing'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { afterAll, describe, expect, it } from 'vitest'
import { createSessionStore, SessionError, sessionCookie } from '../src/index'

// The shared table of duration spellings (@hotpath/core/testing), run against every duration
// option of this package: the same inputs are accepted or refused in every package.
const redis = createMemoryRedis()
afterAll(() => redis.close())

const OPTIONS = [
  {
    name: 'store ttl',
    seconds: (ttl: unknown) => createSessionStore({ redis, ttl: ttl as '1s' }).ttlSeconds,
  },
  {
    name: 'cookie maxAge',
    seconds: (maxAge: unknown) => sessionCookie({ maxAge: maxAge as '1s' }).maxAge,
  },
]

describe.each(OPTIONS)('session option $name reads the shared duration forms', (option) => {
  it.each(durationCases.accepted)('reads %j as %d ms', (input, ms) => {
    expect(option.seconds(input)).toBe(ms / 1000)
  })

  it.each(durationCases.refused.map((value) => [value]))('refuses %j', (value) => {
    expect(() => option.seconds(value)).toThrowError(
      expect.objectContaining({
        constructor: SessionError,
        code: 'E_OPTION_INVALID',
        message: expect.stringContaining(`must be a duration such as '250ms', '10s'`),
      }),
    )
  })

  it('reads a bare number as seconds', () => {
    expect(option.seconds(durationCases.bareNumber)).toBe(durationCases.bareNumber)
  })
})
