import { describe, expect, it } from 'vitest'
import { ESCAPED_CHARACTERS, encodeParam } from '../src/escape'
import { defineKeys, errors, KeyError, key } from '../src/index'
import { expectKeyError } from './support/expect-key-error'

describe('building keys', () => {
  const registry = defineKeys(
    {
      userTier: key('user:tier:{userId}', {
        ttl: '60s',
        tags: (p) => [`user:${p.userId}`],
        description: 'Resolved user tier',
      }),
      products: key('products:all', { ttl: '5m', tags: ['products'] }),
      session: key('session:{tokenHash}', { ttl: '7d', version: 2 }),
      rl: key('rl:{identifier}:{window}', { slot: 'identifier' }),
    },
    { prefix: 'app' },
  )

  it('writes parameters in parentheses after the prefix', () => {
    expect(registry.keys.userTier({ userId: '42' }).key).toBe('app:user:tier:(42)')
    expect(registry.keys.userTier({ userId: 42 }).key).toBe('app:user:tier:(42)')
  })

  it('builds a template without parameters from no arguments', () => {
    expect(registry.keys.products().key).toBe('app:products:all')
  })

  it('returns a KeyRef carrying name, string params, ttl in seconds, tags and its definition', () => {
    const ref = registry.keys.userTier({ userId: 7 })
    expect(ref.name).toBe('userTier')
    expect(ref.params).toEqual({ userId: '7' })
    expect(ref.ttl).toBe(60)
    expect(ref.tags).toEqual(['user:7'])
    expect(ref.definition).toBe(registry.keys.userTier)
    expect(`${ref}`).toBe('app:user:tier:(7)')
    expect(String(ref)).toBe(ref.key)
  })

  it("hands out a fresh tags array per key, so one caller cannot change another key's tags", () => {
    const a = registry.keys.products()
    a.tags.push('mutated')
    expect(registry.keys.products().tags).toEqual(['products'])
  })

  it('appends the version as a final :v<n> segment', () => {
    expect(registry.keys.session({ tokenHash: 'abc' }).key).toBe('app:session:(abc):v2')
  })

  it('puts the slot parameter in a {hash tag} so keys of one identifier share a cluster slot', () => {
    const key = registry.keys.rl({ identifier: 'ip:1.2.3.4', window: 1700 }).key
    expect(key).toBe('app:rl:{ip%3A1.2.3.4}:(1700)')
    // Redis hashes only what is between the first { and the next }.
    expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe('ip%3A1.2.3.4')
  })

  it('exposes the options on the definition, durations normalised to seconds', () => {
    const d = registry.keys.session
    expect(d.name).toBe('session')
    expect(d.template).toBe('session:{tokenHash}')
    expect(d.prefix).toBe('app')
    expect(d.params).toEqual(['tokenHash'])
    expect(d.ttl).toBe(604_800)
    expect(d.jitter).toBe(0)
    expect(d.version).toBe(2)
    expect(d.slot).toBeUndefined()
    expect(registry.keys.rl.slot).toBe('identifier')
    expect(registry.keys.userTier.description).toBe('Resolved user tier')
    expect(registry.keys.userTier.tagsOf({ userId: 'u1' })).toEqual(['user:u1'])
  })

  it('reports a missing parameter at runtime with E_KEY_PARAM_MISSING', () => {
    const build = registry.keys.userTier as unknown as (p?: object) => unknown
    expectKeyError(() => build({}), errors.E_KEY_PARAM_MISSING)
    expectKeyError(() => build(), errors.E_KEY_PARAM_MISSING)
  })

  it('reports a missing parameter named like an Object.prototype member as missing, not invalid', () => {
    const members = defineKeys({
      odd: key('odd:{constructor}:{toString}:{hasOwnProperty}:{valueOf}:{isPrototypeOf}'),
    })
    const build = members.keys.odd as unknown as (p: object) => { key: string }
    for (const missing of [
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'isPrototypeOf',
    ]) {
      const given = Object.fromEntries(
        ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']
          .filter((name) => name !== missing)
          .map((name) => [name, 'x']),
      )
      const error = expectKeyError(() => build(given), errors.E_KEY_PARAM_MISSING)
      expect(error.message).toContain(`"${missing}"`)
    }
    // an inherited value is not a passed one, even when it is a string
    const inherited = Object.create({ constructor: 'c', toString: 't' }) as object
    expectKeyError(() => build(inherited), errors.E_KEY_PARAM_MISSING)
    const all = {
      constructor: 'c',
      toString: 't',
      hasOwnProperty: 'h',
      valueOf: 'v',
      isPrototypeOf: 'i',
    }
    expect(build(all).key).toBe('odd:(c):(t):(h):(v):(i)')
    expect(members.parse('odd:(c):(t):(h):(v):(i)')?.params).toEqual(all)
  })

  it('reports an unknown parameter at runtime with E_KEY_PARAM_UNKNOWN', () => {
    const build = registry.keys.userTier as unknown as (p: object) => unknown
    const error = expectKeyError(() => build({ userId: 1, userID: 2 }), 'E_KEY_PARAM_UNKNOWN')
    expect(error.message).toContain('userID')
    expectKeyError(() => build({ userId: 1, toString: 'x' }), 'E_KEY_PARAM_UNKNOWN')
    const none = registry.keys.products as unknown as (p: object) => unknown
    expectKeyError(() => none({ x: 1 }), 'E_KEY_PARAM_UNKNOWN')
  })

  it('refuses an empty value with E_KEY_PARAM_EMPTY', () => {
    const error = expectKeyError(() => registry.keys.userTier({ userId: '' }), 'E_KEY_PARAM_EMPTY')
    expect(error).toBeInstanceOf(KeyError)
    expect(error.message).toContain('userId')
  })

  it('refuses non-finite numbers, non-strings and lone surrogates with E_KEY_PARAM_INVALID', () => {
    const build = registry.keys.userTier as unknown as (p: object) => unknown
    for (const userId of [Number.NaN, Number.POSITIVE_INFINITY, null, true, {}, 10n]) {
      expectKeyError(() => build({ userId }), 'E_KEY_PARAM_INVALID')
    }
    expectKeyError(() => registry.keys.userTier({ userId: 'a\ud800b' }), 'E_KEY_PARAM_INVALID')
    expectKeyError(() => registry.keys.userTier({ userId: '\udc00' }), 'E_KEY_PARAM_INVALID')
  })

  it('accepts paired surrogates (emoji) unescaped', () => {
    expect(registry.keys.userTier({ userId: '🦊' }).key).toBe('app:user:tier:(🦊)')
  })
})

describe('escaping parameter values', () => {
  const { keys } = defineKeys({ item: key('item:{id}') }, { prefix: '' })
  const cases: [string, string][] = [
    ['a:b', 'item:(a%3Ab)'],
    ['*', 'item:(%2A)'],
    ['?', 'item:(%3F)'],
    ['[x]', 'item:(%5Bx%5D)'],
    ['{x}', 'item:(%7Bx%7D)'],
    ['(x)', 'item:(%28x%29)'],
    ['a\\b', 'item:(a%5Cb)'],
    ['100%', 'item:(100%25)'],
    ['%3A', 'item:(%253A)'],
    ['a b', 'item:(a%20b)'],
    ['\t\n\r', 'item:(%09%0A%0D)'],
    ['\u0000\u007f', 'item:(%00%7F)'],
    ['\u0085', 'item:(%C2%85)'],
    ['\u00a0', 'item:(%C2%A0)'],
    ['\u2028\u3000\ufeff', 'item:(%E2%80%A8%E3%80%80%EF%BB%BF)'],
    ['élan-ß.日本', 'item:(élan-ß.日本)'],
    ['user@example.com', 'item:(user@example.com)'],
  ]

  it.each(cases)('encodes %j as %s and parses it back', (value, expected) => {
    const built = keys.item({ id: value })
    expect(built.key).toBe(expected)
    const registry = defineKeys({ item: key('item:{id}') }, { prefix: '' })
    expect(registry.parse(built.key)?.params).toEqual({ id: value })
  })

  it('keeps a value that looks like another key inside its own parameter', () => {
    expect(keys.item({ id: 'x):v2' }).key).toBe('item:(x%29%3Av2)')
    expect(keys.item({ id: '*' }).key).not.toContain('*')
  })
})

describe('template validation', () => {
  it.each([
    ['', 'empty'],
    ['user:{}', 'empty parameter name'],
    ['user:{user id}', 'space in a parameter name'],
    ['user:{1id}', 'parameter name starting with a digit'],
    ['user:{id', 'unclosed brace'],
    ['user:id}', 'stray closing brace'],
    ['user:{id}:{id}', 'duplicate parameter'],
    ['user:{__proto__}', 'a parameter named __proto__'],
    ['user:*', 'glob star'],
    ['user:?', 'glob question mark'],
    ['user:[a]', 'glob class'],
    ['user:\\x', 'backslash'],
    ['user:(x)', 'parenthesis'],
    ['user: x', 'space'],
    ['user:\nx', 'newline'],
  ])('refuses %j (%s) with E_KEY_TEMPLATE_INVALID', (template) => {
    expectKeyError(() => defineKeys({ k: key(template) }), 'E_KEY_TEMPLATE_INVALID')
  })

  it('allows parameters anywhere, including mid-segment and side by side', () => {
    const { keys } = defineKeys(
      { pair: key('pair:{a}{b}'), post: key('post-{slug}.json') },
      { prefix: '' },
    )
    expect(keys.pair({ a: 'x', b: 'y' }).key).toBe('pair:(x)(y)')
    expect(keys.post({ slug: 'hello' }).key).toBe('post-(hello).json')
  })

  it('refuses a value that is not a key() spec', () => {
    expectKeyError(
      () => defineKeys({ k: 'user:{id}' } as unknown as Parameters<typeof defineKeys>[0]),
      'E_KEY_TEMPLATE_INVALID',
    )
  })
})

describe('options validation', () => {
  it.each([
    0,
    -1,
    1.5,
    Number.NaN,
    '5',
    '0s',
    '5w',
    '-1d',
    'm',
    '500ms',
    '1500ms',
    '9999999999999999999999d',
  ])(
    'refuses ttl %j with E_OPTION_INVALID (not a duration of whole seconds, at least 1)',
    (ttl) => {
      const spec = key('k', { ttl: ttl as number })
      expectKeyError(() => defineKeys({ k: spec }), 'E_OPTION_INVALID')
    },
  )

  it.each([
    ['90s', 90],
    ['5m', 300],
    ['1h', 3600],
    ['7d', 604_800],
    ['5 m', 300],
    ['1.5h', 5400],
    ['60000ms', 60],
    [45, 45],
  ] as const)('reads ttl %j as %d seconds', (ttl, seconds) => {
    expect(defineKeys({ k: key('k', { ttl }) }).keys.k.ttl).toBe(seconds)
  })

  it.each([
    [{ jitter: -0.1, ttl: 10 }, 'negative jitter'],
    [{ jitter: 1, ttl: 10 }, 'jitter of 1'],
    [{ jitter: 0.2 }, 'jitter without ttl'],
    [{ version: 0 }, 'version 0'],
    [{ version: 1.5 }, 'fractional version'],
    [{ tags: [''] }, 'empty tag'],
    [{ tags: 'user' }, 'tags as a string'],
    [{ schema: {} }, 'schema that is not a Standard Schema'],
    [{ description: 5 }, 'non-string description'],
    [{ l1: 'yes' }, 'l1 that is not a boolean'],
  ])('refuses %j (%s) with E_OPTION_INVALID', (options, _reason) => {
    const spec = key('k:{id}', options as object)
    expectKeyError(() => defineKeys({ k: spec }), 'E_OPTION_INVALID')
  })

  it('carries l1 on the definition: true, false, or undefined when not given', () => {
    const registry = defineKeys({
      hot: key('hot:{id}', { l1: true }),
      live: key('live:{id}', { l1: false }),
      plain: key('plain:{id}'),
    })
    expect(registry.keys.hot.l1).toBe(true)
    expect(registry.keys.live.l1).toBe(false)
    expect(registry.keys.plain.l1).toBeUndefined()
    expect(registry.keys.live({ id: 1 }).definition.l1).toBe(false)
  })

  it('refuses a slot that is not a parameter of the template', () => {
    const spec = key('rl:{identifier}', { slot: 'window' as 'identifier' })
    expectKeyError(() => defineKeys({ rl: spec }), 'E_OPTION_INVALID')
  })

  it('refuses tags derived as something other than non-empty strings when the key is built', () => {
    const { keys } = defineKeys({ k: key('k:{id}', { tags: () => [''] }) })
    expectKeyError(() => keys.k({ id: 1 }), 'E_OPTION_INVALID')
  })
})

describe('prefix', () => {
  it('defaults to HOTPATH_KEY_PREFIX and is overridden by the option', () => {
    const before = process.env.HOTPATH_KEY_PREFIX
    process.env.HOTPATH_KEY_PREFIX = 'shop:staging'
    try {
      expect(defineKeys({ k: key('k') }).keys.k().key).toBe('shop:staging:k')
      expect(defineKeys({ k: key('k') }, { prefix: 'other' }).keys.k().key).toBe('other:k')
      expect(defineKeys({ k: key('k') }, { prefix: '' }).keys.k().key).toBe('k')
    } finally {
      if (before === undefined) delete process.env.HOTPATH_KEY_PREFIX
      else process.env.HOTPATH_KEY_PREFIX = before
    }
  })

  it('has no prefix when neither the option nor the environment sets one', () => {
    const before = process.env.HOTPATH_KEY_PREFIX
    delete process.env.HOTPATH_KEY_PREFIX
    try {
      expect(defineKeys({ k: key('k') }).keys.k().key).toBe('k')
    } finally {
      if (before !== undefined) process.env.HOTPATH_KEY_PREFIX = before
    }
  })

  it('puts a namespace after the prefix, HOTPATH_KEY_PREFIX included, never instead of it', () => {
    const before = process.env.HOTPATH_KEY_PREFIX
    process.env.HOTPATH_KEY_PREFIX = 'shop:staging'
    try {
      const build = (options: { prefix?: string; namespace?: string }) =>
        defineKeys({ k: key('k:{id}') }, options).keys.k({ id: 1 }).key
      expect(build({ namespace: 'api:rl' })).toBe('shop:staging:api:rl:k:(1)')
      expect(build({ namespace: 'api:rl:', prefix: 'other' })).toBe('other:api:rl:k:(1)')
      expect(build({ namespace: 'api:rl', prefix: '' })).toBe('api:rl:k:(1)')
      expect(defineKeys({ k: key('k') }, { namespace: 'rl' }).prefix).toBe('shop:staging:rl')
      expectKeyError(() => build({ namespace: 'rl*' }), 'E_OPTION_INVALID')
    } finally {
      if (before === undefined) delete process.env.HOTPATH_KEY_PREFIX
      else process.env.HOTPATH_KEY_PREFIX = before
    }
  })

  it('drops a trailing colon instead of doubling it', () => {
    expect(defineKeys({ k: key('k') }, { prefix: 'app:' }).keys.k().key).toBe('app:k')
  })

  it.each(['a b', 'app*', 'app{x}', 'app(1)'])(
    'refuses prefix %j with E_OPTION_INVALID',
    (prefix) => {
      expectKeyError(() => defineKeys({ k: key('k') }, { prefix }), 'E_OPTION_INVALID')
    },
  )
})

describe('the escaped character set', () => {
  it('escapes exactly the characters of ESCAPED_CHARACTERS, for every BMP code point', () => {
    const wrong: string[] = []
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue
      const char = String.fromCharCode(code)
      const escaped = encodeParam('x', char) !== char
      if (escaped !== ESCAPED_CHARACTERS.test(char)) wrong.push(code.toString(16))
    }
    expect(wrong).toEqual([])
  })
})
