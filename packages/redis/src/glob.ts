/**
 * Redis's glob (`KEYS`, `SCAN … MATCH`, as `stringmatchlen` in util.c reads it) as a test of
 * one string: `*` any run, `?` one character, `[abc]` `[^a-z]` a class (a reversed range is
 * swapped, as Redis does), `\x` the character x. Everything else is literal: `( ) { } . + |`
 * and the rest, which a pattern turned into a RegExp by hand tends to get wrong. Redis matches
 * bytes, so pattern and text are compared as their UTF-8 bytes (`?` is one byte of `é`).
 *
 * Every token but `*` matches exactly one byte, so the match is the two-pointer walk that
 * returns to the last `*` on a mismatch: at most (text × pattern) steps, where a RegExp of
 * many stars backtracks for seconds on a long key.
 */
export function globMatcher(glob: string): (text: string) => boolean {
  const tokens = tokenize(utf8Bytes(glob))
  return (input) => {
    const text = utf8Bytes(input)
    let t = 0
    let p = 0
    let star = -1
    let resume = 0
    while (t < text.length) {
      const token = tokens[p]
      if (token === STAR) {
        star = p++
        resume = t
      } else if (token?.(text.charCodeAt(t))) {
        t++
        p++
      } else if (star >= 0) {
        p = star + 1
        t = ++resume
      } else {
        return false
      }
    }
    while (tokens[p] === STAR) p++
    return p === tokens.length
  }
}

/** Matches one byte. */
type OneByte = (byte: number) => boolean
const STAR = Symbol('star')
type Token = OneByte | typeof STAR

const anyByte: OneByte = () => true

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = []
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charCodeAt(i)
    if (char === 0x2a /* * */) {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR)
    } else if (char === 0x3f /* ? */) {
      tokens.push(anyByte)
    } else if (char === 0x5c /* \ */ && i + 1 < pattern.length) {
      tokens.push(literal(pattern.charCodeAt(++i)))
    } else if (char === 0x5b /* [ */) {
      const parsed = charClass(pattern, i + 1)
      tokens.push(parsed.token)
      i = parsed.end
    } else {
      tokens.push(literal(char))
    }
  }
  return tokens
}

function literal(byte: number): OneByte {
  return (other) => other === byte
}

/**
 * A class from `start` (just past `[`) to its `]`, or to the end of the pattern, as Redis
 * reads an unclosed one. As Redis: `x-y` is a range whenever three characters are left (`]`
 * included), a reversed range is swapped, and range ends compare as C `char`, signed on
 * x86 (a byte of 0x80 or more sorts below every ASCII byte).
 */
function charClass(pattern: string, start: number): { token: OneByte; end: number } {
  let i = start
  let negate = false
  if (pattern[i] === '^') {
    negate = true
    i++
  }
  const bytes: number[] = []
  const ranges: [number, number][] = []
  for (; i < pattern.length && pattern[i] !== ']'; i++) {
    if (pattern[i] === '\\' && i + 1 < pattern.length) {
      bytes.push(pattern.charCodeAt(++i))
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length) {
      let from = signed(pattern.charCodeAt(i))
      let to = signed(pattern.charCodeAt(i + 2))
      if (from > to) [from, to] = [to, from]
      ranges.push([from, to])
      i += 2
    } else {
      bytes.push(pattern.charCodeAt(i))
    }
  }
  const token: OneByte = (byte) => {
    let found = bytes.includes(byte)
    if (!found) {
      const value = signed(byte)
      for (const [from, to] of ranges) {
        if (value >= from && value <= to) {
          found = true
          break
        }
      }
    }
    return found !== negate
  }
  return { token, end: i }
}

const signed = (byte: number) => (byte >= 0x80 ? byte - 0x100 : byte)

const NON_ASCII = /[\u0080-\uffff]/
const encoder = new TextEncoder()

/** `text` as one character per UTF-8 byte; ASCII text as it is. */
function utf8Bytes(text: string): string {
  if (!NON_ASCII.test(text)) return text
  let out = ''
  for (const byte of encoder.encode(text)) out += String.fromCharCode(byte)
  return out
}
