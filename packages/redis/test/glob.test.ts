import { createTcpRedis } from '@hotpath/redis/tcp'
import { redisTargets } from '@hotpath/test-redis'
import { afterAll, describe, expect, test } from 'vitest'
import { globMatcher } from '../src/glob'

const redis = createTcpRedis({ url: redisTargets().standalone.url, timeoutMs: 5000 })
afterAll(() => redis.close())

const KEYS = [
  'a',
  'b',
  'ab',
  'abc',
  'a(b)',
  'a(bc)',
  'a{b}',
  'a.b',
  'a+b',
  'a|b',
  'a$',
  '^a',
  'a\\b',
  'a*',
  'a?',
  'a[b]',
  'a]',
  'a-',
  'x-y',
  'A',
  'Z',
  '_',
  'é',
  'a b',
  '',
]
const PATTERNS = [
  // ranges with an end at a byte of 0x80 or more, compared as signed char (as Redis on x86)
  '[!-é]',
  '[é-z]*',
  '*',
  '?',
  'a*',
  'a?',
  '??',
  'a(*)',
  'a(?)',
  'a{b}',
  'a.b',
  'a+b',
  'a|b',
  'a$',
  '^a',
  'a\\\\b',
  'a\\*',
  'a\\?',
  'a\\[b\\]',
  'a[b]',
  '[ab]',
  '[^ab]',
  '[a-c]',
  '[c-a]',
  '[A-Z]',
  '[^a-z]*',
  'a[\\]]',
  'a[-]',
  'x[-]y',
  '[a-]',
  'a[',
  'a[b',
  '[]',
  '[^]',
  '\\a',
  'a\\',
  '*b*',
  '*(*',
]

describe('globMatcher', () => {
  test('matches exactly the keys real Redis KEYS matches, for every pattern', async () => {
    const prefix = `glob${Math.random().toString(36).slice(2, 8)}:`
    // A prefix outside the pattern: only this test's keys, every pattern applied to the rest.
    await Promise.all(KEYS.map((key) => redis.set(prefix + key, '1')))
    try {
      for (const pattern of PATTERNS) {
        const fromRedis = ((await redis.call(['KEYS', literalGlob(prefix) + pattern])) as string[])
          .map((key) => key.slice(prefix.length))
          .sort()
        const ours = KEYS.filter(globMatcher(pattern)).sort()
        expect({ pattern, keys: ours }).toEqual({ pattern, keys: fromRedis })
      }
    } finally {
      await redis.del(...KEYS.map((key) => prefix + key))
    }
  })

  test('a pattern of many stars against a long key answers without backtracking for ever', () => {
    // A RegExp of these stars took seconds at 80 characters; the walk is text × pattern.
    const text = 'a'.repeat(5000)
    expect(globMatcher(`${'*a'.repeat(30)}*b`)(text)).toBe(false)
    expect(globMatcher(`${'*a'.repeat(30)}*`)(text)).toBe(true)
  })

  test('compares UTF-8 bytes, as Redis does', () => {
    expect(globMatcher('?')('é')).toBe(false)
    expect(globMatcher('??')('é')).toBe(true)
    expect(globMatcher('[é]')('é')).toBe(false)
    expect(globMatcher('é*')('éa')).toBe(true)
  })

  test('reads a class to the end of the pattern when it is not closed, as Redis does', () => {
    expect(globMatcher('a[bc')('ab')).toBe(true)
    expect(globMatcher('a[bc')('a[')).toBe(false)
  })
})

/** The prefix as a literal glob (it has no specials, but say so). */
function literalGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
