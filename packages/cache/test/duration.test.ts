import { durationCases } from '@hotpath/core/testing'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { describe, expect, it } from 'vitest'
import { CacheError, type CachePolicy, createCache } from '../src/index'
import { createUseCacheHandler } from '../src/next/index'
import { createHandlerContext } from '../src/next/options'
import { resolvePolicy } from '../src/options'

// The shared table of duration spellings (@hotpath/core/testing), run against every duration
// option of this package: the same inputs are accepted or refused in every package. `value`
// answers the milliseconds an option resolved to, where the package keeps them; `use` goes
// through the public entry point, which must accept or refuse what `value` does. Only
// `undefined` means "the default"; null is refused like any other non-duration.
type Option = {
  name: string
  /** The unit a bare number is read in (deprecated spelling, kept working). */
  number: 's' | 'ms'
  use: (value: unknown) => unknown
  value?: (value: unknown) => number | undefined
}

const policy = (name: keyof CachePolicy, number: 's' | 'ms'): Option => ({
  name,
  number,
  use: (value) => createCache({ redis: null, defaults: { [name]: value } }),
  value: (value) => {
    const resolved = resolvePolicy({ [name]: value })
    return resolved[`${name}Ms` as keyof typeof resolved]
  },
})

// With `redis: null` a lock is refused with E_LOCK_UNAVAILABLE, but only after its options
// were read, so a bad duration still shows as E_OPTION_INVALID.
const lock = async (options: object) => {
  const error = await createCache({ redis: null })
    .acquireLock('r', options)
    .catch((caught: unknown) => caught)
  if ((error as CacheError).code !== 'E_LOCK_UNAVAILABLE') throw error
}

const OPTIONS: Option[] = [
  policy('ttl', 's'),
  policy('grace', 's'),
  policy('negativeTtl', 's'),
  policy('softTimeout', 'ms'),
  policy('hardTimeout', 'ms'),
  policy('lockTtl', 'ms'),
  policy('lockWait', 'ms'),
  policy('graceBackoff', 'ms'),
  {
    name: 'tagRetention',
    number: 's',
    use: (value) => createCache({ redis: null, tagRetention: value as '1s' }),
  },
  {
    name: 'setTtl',
    number: 's',
    use: (value) =>
      createCache({ redis: createMemoryRedis() }).getOrSet('k', (context) => {
        context.setTtl(value as '1s')
        return 1
      }),
  },
  { name: 'lock ttl', number: 'ms', use: (value) => lock({ ttl: value }) },
  { name: 'lock wait', number: 'ms', use: (value) => lock({ wait: value }) },
  {
    name: 'next tagRetention',
    number: 's',
    use: (value) => createUseCacheHandler({ redis: null, tagRetention: value as '1s' }),
    value: (value) =>
      createHandlerContext({ redis: null, tagRetention: value as '1s' }).retentionMs,
  },
  {
    name: 'next defaultTtl',
    number: 's',
    use: (value) => createUseCacheHandler({ redis: null, defaultTtl: value as '1s' }),
    value: (value) => createHandlerContext({ redis: null, defaultTtl: value as '1s' }).defaultTtlMs,
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

describe.each(OPTIONS)('cache option $name reads the shared duration forms', (option) => {
  it.each(durationCases.accepted)('accepts %j as %d ms', async (input, ms) => {
    await option.use(input)
    if (option.value) expect(option.value(input)).toBe(ms)
  })

  it.each(durationCases.refused.map((value) => [value]))('refuses %j', async (value) => {
    const error = await refusal(() => option.use(value))
    expect(error).toBeInstanceOf(CacheError)
    expect(error).toMatchObject({
      code: 'E_OPTION_INVALID',
      message: expect.stringContaining(`must be a duration such as '250ms', '10s'`),
    })
  })

  it(`reads a bare number in ${option.number === 's' ? 'seconds' : 'milliseconds'} (deprecated)`, async () => {
    await option.use(durationCases.bareNumber)
    const factor = option.number === 's' ? 1000 : 1
    if (option.value)
      expect(option.value(durationCases.bareNumber)).toBe(durationCases.bareNumber * factor)
  })
})
