import { durationCases } from '@hotpath/core/testing'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { afterAll, describe, expect, it } from 'vitest'
import { Ratelimit, RatelimitError } from '../src/index'

// The shared table of duration spellings (@hotpath/core/testing), run against every duration
// option of this package: the same inputs are accepted or refused in every package. A bare
// number is milliseconds everywhere here: deprecated for windows, kept for `timeout` because
// @upstash/ratelimit takes a number of ms there.
const redis = createMemoryRedis()
afterAll(() => redis.close())

const limiter = Ratelimit.fixedWindow(1000, '1 m')

const OPTIONS: { name: string; ms: (value: unknown) => number | Promise<unknown> }[] = [
  { name: 'fixedWindow window', ms: (value) => Ratelimit.fixedWindow(1, value as '1s').windowMs },
  {
    name: 'slidingWindow window',
    ms: (value) => Ratelimit.slidingWindow(1, value as '1s').windowMs,
  },
  {
    name: 'tokenBucket interval',
    ms: (value) => Ratelimit.tokenBucket(1, value as '1s', 1).windowMs,
  },
  { name: 'slidingLogs window', ms: (value) => Ratelimit.slidingLogs(1, value as '1s').windowMs },
  {
    name: 'timeout',
    ms: (value) => new Ratelimit({ redis, limiter, timeout: value as '1s' }).timeout,
  },
  {
    name: 'analytics retention',
    ms: async (value) => new Ratelimit({ redis, limiter, analytics: { retention: value as '1s' } }),
  },
  {
    name: 'blockUntilReady timeout',
    ms: (value) =>
      new Ratelimit({ redis, limiter, prefix: 'duration-table' }).blockUntilReady(
        'id',
        value as '1s',
      ),
  },
]

async function refusal(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  return undefined
}

describe.each(OPTIONS)('ratelimit option $name reads the shared duration forms', (option) => {
  it.each(durationCases.accepted)('accepts %j as %d ms', async (input, ms) => {
    const answer = option.ms(input)
    if (typeof answer === 'number') expect(answer).toBe(ms)
    else await answer
  })

  it.each(durationCases.refused.map((value) => [value]))('refuses %j', async (value) => {
    const error = await refusal(() => option.ms(value))
    expect(error).toBeInstanceOf(RatelimitError)
    expect(error).toMatchObject({
      code: 'E_OPTION_INVALID',
      message: expect.stringContaining(`must be a duration such as '250ms', '10s'`),
    })
  })

  it('reads a bare number as milliseconds', async () => {
    const answer = option.ms(durationCases.bareNumber)
    if (typeof answer === 'number') expect(answer).toBe(durationCases.bareNumber)
    else await answer
  })
})
