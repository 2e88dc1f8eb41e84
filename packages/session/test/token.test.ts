import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createToken, parseToken, sha256, userTag } from '../src/token'

describe('session tokens', () => {
  it('carry 256 random bits, URL-safe, and the user tag', async () => {
    const token = await createToken('user-1')
    const [secret, tag] = token.split('.')
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(secret ?? '', 'base64url')).toHaveLength(32)
    expect(tag).toBe(await userTag('user-1'))
    expect(encodeURIComponent(token)).toBe(token)
  })

  it('never repeat', async () => {
    const tokens = new Set(await Promise.all(Array.from({ length: 1000 }, () => createToken('u'))))
    expect(tokens.size).toBe(1000)
  })

  it('hash like node:crypto SHA-256 for every input length around the block boundaries', () => {
    for (let length = 0; length < 300; length++) {
      const text = Array.from({ length }, (_, i) =>
        String.fromCharCode(32 + ((i * 7 + length) % 500)),
      ).join('')
      expect(sha256(text)).toBe(createHash('sha256').update(text).digest('base64url'))
    }
  })

  it('parse to the SHA-256 of the whole token', async () => {
    const token = await createToken('user-1')
    const parsed = await parseToken(token)
    expect(parsed?.hash).toBe(
      Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString(
        'base64url',
      ),
    )
    expect(parsed?.hash).toBe(await sha256(token))
  })

  it('give different users different tags and hide the user id', async () => {
    expect(await userTag('a')).not.toBe(await userTag('b'))
    expect(await userTag('user-1')).not.toContain('user')
  })

  it('parse to null when malformed', async () => {
    const token = await createToken('u')
    for (const bad of [
      '',
      'x',
      `${token}=`,
      token.replace('.', ':'),
      ` ${token.slice(1)}`,
      42,
      null,
    ]) {
      expect(await parseToken(bad)).toBeNull()
    }
  })
})
