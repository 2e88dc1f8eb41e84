import { describe, expect, test } from 'vitest'
import { decodeEntry, decodePlainEntry, type Entry, encodeEntry, encodePayload } from '../src/entry'

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

  test('an untagged header, read without JSON.parse, decodes exactly as JSON.parse reads it', async () => {
    const untagged = { ...entry({ n: 1 }), tags: [], tokens: [] }
    const raw = await encodeEntry(untagged, undefined)
    expect(decodePlainEntry(raw)).toEqual(untagged)
    // anything the fast path does not take goes through JSON.parse with the same verdict
    const headers = [
      '[1,0,9007199254740991,[],[]]',
      '[1,1.5,2,[],[]]',
      '[1,-1,2,[],[]]',
      '[1,,2,[],[]]',
      '[1,1,,[],[]]',
      '[1,1 ,2,[],[]]',
      '[1,1,2,3,[],[]]',
      '[1,"1",2,[],[]]',
      '[1,1e3,2,[],[]]',
      '[1,12345678901234567,2,[],[]]',
      '[1,1,2,[],[] ]',
      '[1,1,2,[],[]]]',
    ]
    for (const header of headers) {
      let expected: Entry | undefined
      try {
        const parsed = JSON.parse(header) as unknown[]
        const [version, createdAt, expiresAt, tags, tokens] = parsed
        const empty = (v: unknown) => Array.isArray(v) && v.length === 0
        expected =
          parsed.length === 5 &&
          version === 1 &&
          typeof createdAt === 'number' &&
          typeof expiresAt === 'number' &&
          empty(tags) &&
          empty(tokens)
            ? { payload: '1', createdAt, expiresAt, tags: [], tokens: [] }
            : undefined
      } catch {
        expected = undefined
      }
      expect(decodePlainEntry(`J${header}\n1`), header).toEqual(expected)
    }
  })
})
