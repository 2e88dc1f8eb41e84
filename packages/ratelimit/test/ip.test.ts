import { describe, expect, it } from 'vitest'
import { clientAddress } from '../src/http'
import { toMs } from '../src/index'
import { ipMatcher, normalizeIp } from '../src/ip'

describe('IP handling', () => {
  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['203.0.113.5:8080', '203.0.113.5'],
    ['::1', '::1'],
  ])('normalizes %s to %s so one client has one identifier', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected)
  })

  it.each(['', 'garbage', '256.1.1.1', '1.2.3', '1::2::3', '12345::1'])(
    'rejects %j as an address',
    (input) => {
      expect(normalizeIp(input)).toBeUndefined()
    },
  )

  it('matches CIDR ranges and named ranges across IPv4 and IPv6', () => {
    const trusted = ipMatcher(['10.0.0.0/8', '2001:db8::/32', 'loopback'])
    expect(trusted('10.255.0.1')).toBe(true)
    expect(trusted('::ffff:10.1.1.1')).toBe(true)
    expect(trusted('11.0.0.1')).toBe(false)
    expect(trusted('2001:db8:ffff::9')).toBe(true)
    expect(trusted('2001:db9::1')).toBe(false)
    expect(trusted('127.0.0.1')).toBe(true)
    expect(trusted('::1')).toBe(true)
  })

  it('walks X-Forwarded-For from the right only while hops are trusted', () => {
    const isTrusted = ipMatcher(['private'])
    expect(
      clientAddress({
        remote: '10.0.0.1',
        forwardedFor: 'spoof, 198.51.100.1, 192.168.1.1',
        isTrusted,
      }),
    ).toBe('198.51.100.1')
    expect(clientAddress({ remote: '198.51.100.9', forwardedFor: '1.1.1.1', isTrusted })).toBe(
      '198.51.100.9',
    )
    expect(clientAddress({ remote: '10.0.0.1', forwardedFor: undefined, isTrusted })).toBe(
      '10.0.0.1',
    )
    // an entry that is not an address cannot have been written by our proxy: stop at the proxy
    expect(clientAddress({ remote: '10.0.0.1', forwardedFor: 'not-an-ip', isTrusted })).toBe(
      '10.0.0.1',
    )
  })
})

describe('durations', () => {
  it.each([
    ['500 ms', 500],
    ['10 s', 10_000],
    ['1m', 60_000],
    ['1.5 h', 5_400_000],
    ['1 d', 86_400_000],
  ] as const)('%s is %i ms', (input, ms) => {
    expect(toMs(input)).toBe(ms)
  })
})
