/**
 * A port of Redis's `stringmatchlen` (src/util.c), the matcher behind SCAN MATCH and KEYS:
 * byte-wise over UTF-8, with `*`, `?`, `[…]` / `[^…]` / ranges and `\` escapes, nothing
 * else special. Tests use it to prove what a SCAN with a pattern would return.
 */
export function redisGlobMatch(pattern: string, key: string): boolean {
  const p = Buffer.from(pattern, 'utf8')
  const s = Buffer.from(key, 'utf8')
  const skipLongerMatches = { value: false }
  return match(p, 0, s, 0, skipLongerMatches, 0)
}

function match(
  p: Buffer,
  pi: number,
  s: Buffer,
  si: number,
  skip: { value: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false
  while (pi < p.length && si < s.length) {
    const c = p[pi]!
    if (c === 0x2a /* * */) {
      while (pi + 1 < p.length && p[pi + 1] === 0x2a) pi++
      if (pi === p.length - 1) return true
      while (si < s.length) {
        if (match(p, pi + 1, s, si, skip, nesting + 1)) return true
        if (skip.value) return false
        si++
      }
      skip.value = true
      return false
    }
    if (c === 0x3f /* ? */) {
      si++
    } else if (c === 0x5b /* [ */) {
      pi++
      const not = p[pi] === 0x5e /* ^ */
      if (not) pi++
      let matched = false
      for (;;) {
        if (p[pi] === 0x5c /* \ */ && p.length - pi >= 2) {
          pi++
          if (p[pi] === s[si]) matched = true
        } else if (p[pi] === 0x5d /* ] */) {
          break
        } else if (pi >= p.length) {
          pi--
          break
        } else if (p.length - pi >= 3 && p[pi + 1] === 0x2d /* - */) {
          // Redis compares `char`s, signed on x86-64 (cross-checked there against redis-server 7.0).
          let start = signed(p[pi]!)
          let end = signed(p[pi + 2]!)
          if (start > end) [start, end] = [end, start]
          const ch = signed(s[si]!)
          pi += 2
          if (ch >= start && ch <= end) matched = true
        } else if (p[pi] === s[si]) {
          matched = true
        }
        pi++
      }
      if (not) matched = !matched
      if (!matched) return false
      si++
    } else {
      if (c === 0x5c /* \ */ && p.length - pi >= 2) pi++
      if (p[pi] !== s[si]) return false
      si++
    }
    pi++
    if (si === s.length) {
      while (p[pi] === 0x2a) pi++
      break
    }
  }
  return pi === p.length && si === s.length
}

function signed(byte: number): number {
  return (byte << 24) >> 24
}
