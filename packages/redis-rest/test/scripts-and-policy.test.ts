import { describe, expect, it } from 'vitest'
import { createCommandPolicy, DEFAULT_DENY_LIST, isReadOnlyCommand } from '../src/commands'
import { encodeResult } from '../src/encoding'
import { rewriteScriptCommand, ScriptShaMap, sha1, stripUpstashFlags } from '../src/scripts'

describe('stripUpstashFlags()', () => {
  it('empties a shebang line that only carried allow-key-locking, keeping line numbers', () => {
    const stripped = stripUpstashFlags('#!lua flags=allow-key-locking\nlocal a = 1\nreturn a')
    expect(stripped).toBe('\nlocal a = 1\nreturn a')
    expect(stripped.split('\n')).toHaveLength(3)
  })

  it('keeps other Redis 7 flags', () => {
    expect(stripUpstashFlags('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe(
      '#!lua flags=no-writes\nreturn 1',
    )
  })

  it('leaves scripts without the Upstash-only flag untouched', () => {
    for (const source of ['return 1', '#!lua flags=no-writes\nreturn 1', '#!lua\nreturn 1']) {
      expect(stripUpstashFlags(source)).toBe(source)
    }
  })
})

describe('rewriteScriptCommand()', () => {
  it('maps the client SHA of a shebang script to the SHA of what Redis runs', () => {
    const shas = new ScriptShaMap()
    const source = '#!lua flags=allow-key-locking\nreturn 1'
    expect(rewriteScriptCommand('EVAL', [source, '0'], shas)).toEqual(['\nreturn 1', '0'])
    expect(rewriteScriptCommand('EVALSHA', [sha1(source), '0'], shas)).toEqual([
      sha1('\nreturn 1'),
      '0',
    ])
    expect(rewriteScriptCommand('EVALSHA', [sha1('other'), '0'], shas)).toEqual([
      sha1('other'),
      '0',
    ])
  })

  it('forgets the oldest mapping past its limit', () => {
    const shas = new ScriptShaMap(2)
    shas.set('a', '1')
    shas.set('b', '2')
    shas.set('c', '3')
    expect([shas.resolve('a'), shas.resolve('b'), shas.resolve('c')]).toEqual(['a', '2', '3'])
  })
})

describe('command policy', () => {
  const policy = createCommandPolicy(DEFAULT_DENY_LIST)

  it('denies XREAD only with the BLOCK option, not a stream key named BLOCK', () => {
    expect(policy.isDenied('XREAD', ['COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '$'])).toBe(true)
    expect(policy.isDenied('XREAD', ['STREAMS', 'BLOCK', '0'])).toBe(false)
  })

  it('denies CLIENT KILL but not other CLIENT subcommands', () => {
    expect(policy.isDenied('CLIENT', ['KILL', 'ID', '1'])).toBe(true)
    expect(policy.isDenied('CLIENT', ['ID'])).toBe(false)
  })

  it('treats unknown commands as writes for read-only tokens', () => {
    expect(isReadOnlyCommand('GET', ['k'])).toBe(true)
    expect(isReadOnlyCommand('SCRIPT', ['EXISTS', 'x'])).toBe(true)
    expect(isReadOnlyCommand('SCRIPT', ['LOAD', 'x'])).toBe(false)
    expect(isReadOnlyCommand('SOMEMODULE.CMD', [])).toBe(false)
  })
})

describe('encodeResult()', () => {
  it('base64-encodes raw bytes exactly and keeps numbers, nulls and nesting', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00])
    expect(encodeResult([bytes, 3, null, [Buffer.from('OK')]], true)).toEqual([
      '//4A',
      3,
      null,
      ['T0s='],
    ])
    expect(encodeResult(Buffer.from('OK'), true)).toBe('OK')
    expect(encodeResult({ f: 'v' }, false)).toEqual(['f', 'v'])
  })
})
