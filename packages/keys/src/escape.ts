import { KeyError } from './errors'

/**
 * Characters a parameter value may not carry into a key as-is: the segment separator,
 * the Redis glob specials, the hash-tag braces and parameter brackets the key format
 * uses as markers, the escape character itself, whitespace (JavaScript `\s`) and control
 * characters (Unicode Cc). Written as a pattern for the docs and tests; `mustEscape` below
 * is the same set as a lookup, because this runs on every key built.
 */
export const ESCAPED_CHARACTERS = /[%:*?[\]{}()\\\s\p{Cc}]/u

const ASCII_ESCAPES: (string | undefined)[] = []
for (let code = 0; code < 0x80; code++) {
  if (ESCAPED_CHARACTERS.test(String.fromCharCode(code))) {
    ASCII_ESCAPES[code] = `%${code.toString(16).toUpperCase().padStart(2, '0')}`
  }
}

function mustEscape(code: number): boolean {
  if (code < 0x80) return ASCII_ESCAPES[code] !== undefined
  return (
    code <= 0xa0 || // C1 controls and NO-BREAK SPACE
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  )
}

/** Returns the index of the first character that needs work (escape or surrogate check), or -1. */
function firstSpecial(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (mustEscape(code) || (code >= 0xd800 && code <= 0xdfff)) return i
  }
  return -1
}

/** Escapes from `from` on; `undefined` when the value holds a lone surrogate. */
function escapeFrom(value: string, from: number): string | undefined {
  let out = value.slice(0, from)
  for (let i = from; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return undefined
      out += value[i]! + value[i + 1]!
      i++
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return undefined
    } else if (!mustEscape(code)) {
      out += value[i]!
    } else {
      // Non-ASCII whitespace and C1 controls: encodeURIComponent yields their UTF-8 %XX.
      out += code < 0x80 ? ASCII_ESCAPES[code]! : encodeURIComponent(value[i]!)
    }
  }
  return out
}

/**
 * Encodes one parameter value. The result never contains a character of the escaped set
 * except `%` starting a `%XX` sequence, so it can only ever fill its own `{param}` slot.
 */
export function encodeParam(name: string, raw: unknown): string {
  let value: string
  if (typeof raw === 'string') value = raw
  else if (typeof raw === 'number' && Number.isFinite(raw)) value = String(raw)
  else {
    throw new KeyError(
      'E_KEY_PARAM_INVALID',
      `parameter "${name}" must be a string or a finite number, got ${describeValue(raw)}`,
    )
  }
  if (value === '') {
    throw new KeyError('E_KEY_PARAM_EMPTY', `parameter "${name}" is empty`)
  }
  const from = firstSpecial(value)
  if (from === -1) return value
  const encoded = escapeFrom(value, from)
  if (encoded === undefined) {
    throw new KeyError(
      'E_KEY_PARAM_INVALID',
      `parameter "${name}" contains a lone UTF-16 surrogate, which Redis cannot store reversibly`,
    )
  }
  return encoded
}

/**
 * Decodes one encoded parameter, or returns `undefined` when the text is not exactly what
 * `encodeParam` would have produced (so parsing stays the exact inverse of building).
 */
export function decodeParam(encoded: string): string | undefined {
  if (encoded === '') return undefined
  let value: string
  try {
    value = encoded.includes('%') ? decodeURIComponent(encoded) : encoded
  } catch {
    return undefined
  }
  const from = firstSpecial(value)
  const canonical = from === -1 ? value : escapeFrom(value, from)
  return canonical === encoded ? value : undefined
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'number') return String(value)
  return typeof value
}
