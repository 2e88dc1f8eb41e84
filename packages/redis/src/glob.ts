/**
 * Redis's glob (`KEYS`, `SCAN … MATCH`, as `stringmatchlen` in util.c reads it) as a test of
 * one string: `*` any run, `?` one character, `[abc]` `[^a-z]` a class (a reversed range is
 * swapped, as Redis does), `\x` the character x. Everything else is literal: `( ) { } . + |`
 * and the rest, which a pattern turned into a RegExp by hand tends to get wrong. Redis matches
 * bytes, so pattern and text are compared as their UTF-8 bytes (`?` is one byte of `é`).
 */
export function globMatcher(glob: string): (text: string) => boolean {
  const pattern = utf8Bytes(glob)
  let source = '^'
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string
    if (char === '*') {
      source += '[\\s\\S]*'
    } else if (char === '?') {
      source += '[\\s\\S]'
    } else if (char === '\\' && i + 1 < pattern.length) {
      i++
      source += literal(pattern[i] as string)
    } else if (char === '[') {
      const parsed = charClass(pattern, i + 1)
      source += parsed.source
      i = parsed.end
    } else {
      source += literal(char)
    }
  }
  const regex = new RegExp(`${source}$`)
  return (text) => regex.test(utf8Bytes(text))
}

const NON_ASCII = /[\u0080-\uffff]/
const encoder = new TextEncoder()

/** `text` as one character per UTF-8 byte; ASCII text as it is. */
function utf8Bytes(text: string): string {
  if (!NON_ASCII.test(text)) return text
  let out = ''
  for (const byte of encoder.encode(text)) out += String.fromCharCode(byte)
  return out
}

/** A class from `start` (just past `[`) to its `]`, or to the end of the pattern, as Redis reads an unclosed one. */
function charClass(pattern: string, start: number): { source: string; end: number } {
  let i = start
  let negate = false
  if (pattern[i] === '^') {
    negate = true
    i++
  }
  const parts: string[] = []
  for (; i < pattern.length && pattern[i] !== ']'; i++) {
    let char = pattern[i] as string
    if (char === '\\' && i + 1 < pattern.length) {
      i++
      char = pattern[i] as string
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length) {
      // as Redis: `x-y` is a range whenever three characters are left, `]` included
      let from = char
      let to = pattern[i + 2] as string
      if (from > to) [from, to] = [to, from]
      parts.push(`${classChar(from)}-${classChar(to)}`)
      i += 2
      continue
    }
    parts.push(classChar(char))
  }
  // An empty class matches nothing (a negated empty one, any character).
  const body = parts.join('')
  const source = body === '' ? (negate ? '[\\s\\S]' : '(?!)') : `[${negate ? '^' : ''}${body}]`
  return { source, end: i }
}

function literal(char: string): string {
  return char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

function classChar(char: string): string {
  return char.replace(/[\\\]^-]/g, '\\$&')
}
