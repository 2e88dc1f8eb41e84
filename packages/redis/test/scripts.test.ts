import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { defineScript } from '../src/scripts'
import { sha1Hex } from '../src/sha1'

const nodeSha1 = (text: string) => createHash('sha1').update(text).digest('hex')

describe('defineScript()', () => {
  it('computes the SHA1 Redis uses to name a script', () => {
    const script = defineScript('return redis.call("GET", KEYS[1])')
    expect(script.sha1).toBe(nodeSha1(script.source))
    expect(defineScript('return 1').sha1).toBe('e0e1f9fabfc9d4800c877a703b823ac0578ff8db')
  })

  it('hashes every padding boundary and multi-byte UTF-8 like node:crypto', () => {
    const inputs = [
      '',
      'abc',
      ...[55, 56, 63, 64, 65, 119, 120].map((n) => 'x'.repeat(n)),
      'héllo ✓ 🚀'.repeat(40),
    ]
    for (const input of inputs) expect(sha1Hex(input)).toBe(nodeSha1(input))
  })
})
