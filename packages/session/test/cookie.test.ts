import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  parseSessionCookie,
  serializeClearedSessionCookie,
  serializeSessionCookie,
  sessionCookie,
} from '../src/cookie'
import { SessionError } from '../src/errors'

describe('session cookie', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('defaults to httpOnly, sameSite=lax, path=/ and a 7-day max-age', () => {
    vi.stubEnv('NODE_ENV', 'development')
    expect(serializeSessionCookie('abc.def')).toBe(
      'hp_session=abc.def; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax',
    )
  })

  it('is Secure in production', () => {
    vi.stubEnv('NODE_ENV', 'production')
    expect(sessionCookie().secure).toBe(true)
    expect(serializeSessionCookie('t')).toContain('; Secure;')
  })

  it('takes maxAge, name, domain and sameSite', () => {
    vi.stubEnv('NODE_ENV', 'test')
    const header = serializeSessionCookie('t', {
      name: 'sid',
      maxAge: 3600,
      domain: 'example.com',
      sameSite: 'none',
    })
    expect(header).toBe(
      'sid=t; Path=/; Max-Age=3600; Domain=example.com; HttpOnly; Secure; SameSite=None',
    )
  })

  it('clears with Max-Age=0 and an expiry in the past', () => {
    expect(serializeClearedSessionCookie()).toMatch(
      /^hp_session=; Path=\/; Max-Age=0; Expires=Thu, 01 Jan 1970/,
    )
  })

  it('parses the token out of a Cookie header', () => {
    expect(parseSessionCookie('a=1; hp_session=tok.en; b=2')).toBe('tok.en')
    expect(parseSessionCookie('hp_session="quoted"')).toBe('quoted')
    expect(parseSessionCookie('sid=x', { name: 'sid' })).toBe('x')
    expect(parseSessionCookie('a=1')).toBeNull()
    expect(parseSessionCookie('hp_session=')).toBeNull()
    expect(parseSessionCookie(null)).toBeNull()
    expect(parseSessionCookie('hp_session=%E0%A4%A')).toBeNull()
  })

  it('rejects an invalid name or maxAge with E_OPTION_INVALID', () => {
    for (const options of [{ name: 'bad name' }, { maxAge: -1 }, { maxAge: 1.5 }]) {
      expect(() => sessionCookie(options)).toThrow(SessionError)
    }
    expect(() => serializeSessionCookie('bad;value')).toThrow(SessionError)
  })
})
