import { describe, expect, test } from 'vitest'
import { decodeEntry, type Entry, encodeEntry, encodePayload } from '../src/entry'

const entry = (payload: unknown): Entry => ({
  payload: encodePayload(payload),
  createdAt: 1_700_000_000_000,
  expiresAt: 1_700_000_060_000,
  tags: ['a', 'b:c'],
  tokens: ['', 'x.y'],
})

describe('entry format', () => {
  test('an entry round-trips with its header', async () => {
    const original = entry({ when: new Date(0), big: 10n })
    const raw = await encodeEntry(original, undefined)
    expect(raw.startsWith('J[')).toBe(true)
    expect(await decodeEntry(raw)).toEqual(original)
  })

  test('an entry above the threshold is stored compressed and detected on read', async () => {
    const original = entry('x'.repeat(5000))
    const raw = await encodeEntry(original, 1024)
    expect(raw[0]).toBe('Z')
    expect(raw.length).toBeLessThan(500)
    expect(await decodeEntry(raw)).toEqual(original)
  })

  test('an entry below the threshold stays plain', async () => {
    const raw = await encodeEntry(entry('small'), 1024)
    expect(raw[0]).toBe('J')
  })

  test.each([
    ['a foreign plain value', '{"hello":"world"}'],
    ['a header without payload separator', 'J[1,0,0,[],[]]'],
    ['a header of another version', 'J[9,0,0,[],[]]\n1'],
    ['mismatched tags and tokens', 'J[1,0,0,["a"],[]]\n1'],
    ['a corrupt compressed body', 'Z!!!not-base64-deflate'],
  ])('%s decodes as nothing rather than throwing', async (_name, raw) => {
    expect(await decodeEntry(raw)).toBeUndefined()
  })
})
