import { isHotpathError } from '@hotpath/core'
import { defineKeys, key } from '@hotpath/keys'
import { describe, expect, test } from 'vitest'
import { type Cache, CacheError, createCache } from '../src/index'
import { revalidateTags } from '../src/next/index'
import { redisFixture } from './fixtures'

const redis = redisFixture()

// Codes as strings: the table must also run against code that lacks the constant.
const ARGUMENT = 'E_INVALID_ARGUMENT'
const OPTION = 'E_OPTION_INVALID'

const registry = defineKeys({ product: key('product:{id}') })

/** What a call did: threw synchronously, rejected, or succeeded. */
async function outcome(
  call: () => unknown,
): Promise<{ how: 'threw' | 'rejected' | 'ok'; error?: unknown }> {
  let result: unknown
  try {
    result = call()
  } catch (error) {
    return { how: 'threw', error }
  }
  try {
    await result
  } catch (error) {
    return { how: 'rejected', error }
  }
  return { how: 'ok' }
}

type Loader = () => number
/** [what is wrong, the call, the code]: every async method rejects, never throws at once. */
type Case = [string, (cache: Cache, loader: Loader) => unknown, string]

const lone = 'user:\ud800'
const asAny = (value: unknown): never => value as never

const asyncCases: Case[] = [
  ['getOrSet() with a number key', (c, l) => c.getOrSet(asAny(42), l), ARGUMENT],
  ['getOrSet() with a null key', (c, l) => c.getOrSet(asAny(null), l), ARGUMENT],
  ['getOrSet() with an undefined key', (c, l) => c.getOrSet(asAny(undefined), l), ARGUMENT],
  [
    'getOrSet() with an object that is no KeyRef',
    (c, l) => c.getOrSet(asAny({ key: 'k' }), l),
    ARGUMENT,
  ],
  ['getOrSet() with an empty key', (c, l) => c.getOrSet('', l), ARGUMENT],
  ['getOrSet() with a lone-surrogate key', (c, l) => c.getOrSet(lone, l), ARGUMENT],
  ['getOrSet() with a number loader', (c) => c.getOrSet('k', asAny(5)), ARGUMENT],
  ['getOrSet() without a loader', (c) => c.getOrSet('k', asAny(undefined)), ARGUMENT],
  ['getOrSet() with string options', (c, l) => c.getOrSet('k', l, asAny('5m')), OPTION],
  [
    'getOrSet() with tags that are a string',
    (c, l) => c.getOrSet('k', l, asAny({ tags: 'a' })),
    OPTION,
  ],
  ['getOrSet() with a number tag', (c, l) => c.getOrSet('k', l, asAny({ tags: [1] })), OPTION],
  ['getOrSet() with an empty tag', (c, l) => c.getOrSet('k', l, { tags: [''] }), OPTION],
  [
    'getOrSet() with a lone-surrogate tag',
    (c, l) => c.getOrSet('k', l, { tags: ['\udc00'] }),
    OPTION,
  ],
  [
    'getOrSet() with a schema that is no Standard Schema',
    (c, l) => c.getOrSet('k', l, asAny({ schema: {} })),
    OPTION,
  ],
  [
    'a loader calling setTags() with a string',
    (c) =>
      c.getOrSet(
        'k',
        asAny((ctx: { setTags(t: unknown): void }) => ctx.setTags('a')),
      ),
    ARGUMENT,
  ],
  [
    'a loader calling setTags() with a number tag',
    (c) =>
      c.getOrSet(
        'k',
        asAny((ctx: { setTags(t: unknown): void }) => ctx.setTags([1])),
      ),
    ARGUMENT,
  ],
  ['get() with a number key', (c) => c.get(asAny(42)), ARGUMENT],
  ['get() with a null key', (c) => c.get(asAny(null)), ARGUMENT],
  ['get() with a lone-surrogate key', (c) => c.get('user:\udbff'), ARGUMENT],
  ['get() with tags that are a string', (c) => c.get('k', asAny({ tags: 'a' })), OPTION],
  ['getMany() with a string instead of an array', (c) => c.getMany(asAny('k')), ARGUMENT],
  ['getMany() with a number key', (c) => c.getMany(asAny(['k', 1])), ARGUMENT],
  ['getMany() with a null key', (c) => c.getMany(asAny([null])), ARGUMENT],
  ['getMany() with a lone-surrogate key', (c) => c.getMany(['k', lone]), ARGUMENT],
  ['getMany() with number options', (c) => c.getMany(['k'], asAny(5)), OPTION],
  ['set() with a number key', (c) => c.set(asAny(42), 'v'), ARGUMENT],
  ['set() with a null key', (c) => c.set(asAny(null), 'v'), ARGUMENT],
  ['set() with an empty key', (c) => c.set('', 'v'), ARGUMENT],
  ['set() with a lone-surrogate key', (c) => c.set(lone, 'alice'), ARGUMENT],
  ['set() with a null tag', (c) => c.set('k', 'v', asAny({ tags: [null] })), OPTION],
  ['set() with string options', (c) => c.set('k', 'v', asAny('ttl')), OPTION],
  ['delete() with a number key', (c) => c.delete(asAny(42)), ARGUMENT],
  ['delete() with a lone-surrogate key', (c) => c.delete(lone), ARGUMENT],
  ['invalidateTags() with a string', (c) => c.invalidateTags(asAny('tag')), ARGUMENT],
  ['invalidateTags() with null', (c) => c.invalidateTags(asAny(null)), ARGUMENT],
  ['invalidateTags() with a number tag', (c) => c.invalidateTags(asAny([1])), ARGUMENT],
  ['invalidateTags() with an empty tag', (c) => c.invalidateTags(['']), ARGUMENT],
  ['invalidateTags() with a lone-surrogate tag', (c) => c.invalidateTags(['\ud800']), ARGUMENT],
  ['invalidateNamespace() with null', (c) => c.invalidateNamespace(asAny(null)), ARGUMENT],
  [
    'invalidateNamespace() with a pattern string',
    (c) => c.invalidateNamespace(asAny({ name: 'x', pattern: 'x:*' })),
    ARGUMENT,
  ],
  ['warm() with null', (c) => c.warm(asAny(null)), ARGUMENT],
  ['warm() with a null entry', (c) => c.warm(asAny([null])), ARGUMENT],
  ['warm() with an entry without a loader', (c) => c.warm(asAny([{ key: 'k' }])), ARGUMENT],
  [
    'warm() with an entry with a number key',
    (c, l) => c.warm(asAny([{ key: 1, loader: l }])),
    ARGUMENT,
  ],
  [
    'warm() with concurrency 0',
    (c, l) => c.warm([{ key: 'k', loader: l }], { concurrency: 0 }),
    OPTION,
  ],
  [
    'warm() with concurrency NaN',
    (c, l) => c.warm([{ key: 'k', loader: l }], { concurrency: Number.NaN }),
    OPTION,
  ],
  [
    'warm() with a number onProgress',
    (c, l) => c.warm([{ key: 'k', loader: l }], asAny({ onProgress: 5 })),
    OPTION,
  ],
  ['acquireLock() with a number resource', (c) => c.acquireLock(asAny(42)), ARGUMENT],
  ['acquireLock() with an empty resource', (c) => c.acquireLock(''), ARGUMENT],
  ['acquireLock() with a lone-surrogate resource', (c) => c.acquireLock('r\udfff'), ARGUMENT],
  ['acquireLock() with string options', (c) => c.acquireLock('r', asAny('10s')), OPTION],
  ['withLock() with a null resource', (c, l) => c.withLock(asAny(null), l), ARGUMENT],
  ['withLock() with a number fn', (c) => c.withLock('r', asAny(5)), ARGUMENT],
  ['withLock() with a lone-surrogate resource', (c, l) => c.withLock('\ud800', l), ARGUMENT],
  ['revalidateTags() without a cache', () => revalidateTags(asAny(null), ['t']), ARGUMENT],
  ['revalidateTags() with a string of tags', (c) => revalidateTags(c, asAny('t')), ARGUMENT],
  ['revalidateTags() with a lone-surrogate tag', (c) => revalidateTags(c, ['\udbff']), ARGUMENT],
  [
    'revalidateTags() with a number revalidateTag',
    (c) => revalidateTags(c, ['t'], asAny({ revalidateTag: 1 })),
    OPTION,
  ],
]

const boardCases: Case[] = [
  ['leaderboard add() with a number member', (c) => c.leaderboard('b').add(asAny(5), 1), ARGUMENT],
  [
    'leaderboard add() with a string score',
    (c) => c.leaderboard('b').add('m', asAny('1')),
    ARGUMENT,
  ],
  ['leaderboard add() with a NaN score', (c) => c.leaderboard('b').add('m', Number.NaN), ARGUMENT],
  [
    'leaderboard add() with a lone-surrogate member',
    (c) => c.leaderboard('b').add('\ud800', 1),
    ARGUMENT,
  ],
  ['leaderboard incr() with a null member', (c) => c.leaderboard('b').incr(asAny(null)), ARGUMENT],
  [
    'leaderboard incr() with a string step',
    (c) => c.leaderboard('b').incr('m', asAny('2')),
    ARGUMENT,
  ],
  ['leaderboard top() with a string', (c) => c.leaderboard('b').top(asAny('3')), ARGUMENT],
  ['leaderboard top() with NaN', (c) => c.leaderboard('b').top(Number.NaN), ARGUMENT],
  ['leaderboard top() with a fraction', (c) => c.leaderboard('b').top(1.5), ARGUMENT],
  ['leaderboard rank() with null', (c) => c.leaderboard('b').rank(asAny(null)), ARGUMENT],
  ['leaderboard remove() with an object', (c) => c.leaderboard('b').remove(asAny({})), ARGUMENT],
  ['flags enable() with a number', (c) => c.flags('f').enable(asAny(1)), ARGUMENT],
  ['flags disable() with null', (c) => c.flags('f').disable(asAny(null)), ARGUMENT],
  ['flags isEnabled() with a number', (c) => c.flags('f').isEnabled(asAny(42)), ARGUMENT],
  ['flags isEnabled() with a lone surrogate', (c) => c.flags('f').isEnabled('\udbff'), ARGUMENT],
]

/** Synchronous methods throw at once. */
const syncCases: Case[] = [
  ['leaderboard() with a number', (c) => c.leaderboard(asAny(42)), ARGUMENT],
  ['leaderboard() with null', (c) => c.leaderboard(asAny(null)), ARGUMENT],
  ['leaderboard() with an empty key', (c) => c.leaderboard(''), ARGUMENT],
  ['leaderboard() with a lone-surrogate key', (c) => c.leaderboard('b\ud800'), ARGUMENT],
  ['flags() with undefined', (c) => c.flags(asAny(undefined)), ARGUMENT],
  ['flags() with an object that is no KeyRef', (c) => c.flags(asAny({ key: 'f' })), ARGUMENT],
  ['on() with an unknown event', (c) => c.on(asAny('nope'), () => {}), ARGUMENT],
  ['on() with a number listener', (c) => c.on('hit', asAny(5)), ARGUMENT],
]

function expectRefused(result: { how: string; error?: unknown }, how: string, code: string) {
  expect(result.how).toBe(how)
  expect(result.error).toBeInstanceOf(CacheError)
  expect(isHotpathError(result.error) && result.error.code).toBe(code)
}

describe.each(['memory', 'no redis'] as const)('bad arguments, %s', (target) => {
  const open = async () =>
    createCache({ redis: target === 'memory' ? await redis.connect('memory') : null })

  test.each(asyncCases)('%s is refused as a rejection with its code', async (_, call, code) => {
    const cache = await open()
    let ran = 0
    const loader = () => ++ran
    expectRefused(await outcome(() => call(cache, loader)), 'rejected', code)
    expect(ran).toBe(0)
  })

  test.each(syncCases)('%s throws its code at once', async (_, call, code) => {
    const cache = await open()
    expectRefused(await outcome(() => call(cache, () => 1)), 'threw', code)
  })
})

describe('bad arguments to a leaderboard and flags', () => {
  test.each(boardCases)('%s is refused as a rejection with its code', async (_, call, code) => {
    const cache = createCache({ redis: await redis.connect('memory') })
    expectRefused(await outcome(() => call(cache, () => 1)), 'rejected', code)
  })
})

describe('bad options to createCache', () => {
  test.each([
    ['no options', undefined],
    ['null', null],
    ['a redis that is a URL string', { redis: 'redis://localhost' }],
    ['no redis at all', {}],
  ])('%s throws E_OPTION_INVALID', async (_, options) => {
    expectRefused(await outcome(() => createCache(asAny(options))), 'threw', OPTION)
  })
})

describe('keys that cannot be stored losslessly (issue 13, item 7)', () => {
  test('two lone-surrogate keys are refused, never read as one another', async () => {
    const cache = createCache({ redis: await redis.connect('memory') })
    for (const [k, v] of [
      ['user:\ud800', 'alice'],
      ['user:\udbff', 'bob'],
    ] as const) {
      expectRefused(await outcome(() => cache.set(k, v)), 'rejected', ARGUMENT)
    }
    expectRefused(await outcome(() => cache.get('user:\ud800')), 'rejected', ARGUMENT)
    // what a driver would have written instead is not there
    expect(await cache.get('user:\ufffd')).toBeUndefined()
  })

  test('well-formed keys that are not ASCII still work: astral characters, a BOM, U+FFFD', async () => {
    const cache = createCache({ redis: await redis.connect('memory') })
    const keys = ['user:😀', 'user:\ufeffx', 'user:\ufffd', registry.keys.product({ id: '𝄞' })]
    for (const [index, k] of keys.entries()) expect(await cache.set(k, index)).toBe(true)
    for (const [index, k] of keys.entries()) expect(await cache.get(k)).toBe(index)
  })
})
