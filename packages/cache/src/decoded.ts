import { type Deserialized, deserialize } from '@hotpath/redis'
import type { Entry } from './entry'

/** The serializer's marker for values JSON cannot carry (Date, Map…); those are not kept. */
const ENVELOPE = '"__hotpath"'

/** A stored entry as last read for one key: the exact text, its header, its decoded value. */
export type Decoded = { raw: string; entry: Entry; value: unknown; chars: number }

/**
 * The last decoded entry per key, so that a hit whose stored text did not change since the
 * last read reuses its header and copies its value instead of decoding both again: for plain
 * JSON data a copy costs about a fifth of `JSON.parse`, and on a hot key decoding is most of
 * a hit's CPU. The stored text is compared in full before anything is reused.
 *
 * Every caller gets its own copy of the value, as with a parse: a value one caller mutates is
 * never seen by another, nor by the next read. Only plain JSON values are kept (not values
 * with Dates, Maps and the like), and only up to `maxChars` characters of stored text in all
 * (inflated text counted too), oldest key first out; one entry may take a quarter of that.
 */
export class DecodedValues {
  readonly #kept = new Map<string, Decoded>()
  readonly #maxChars: number
  #chars = 0

  constructor(maxChars: number) {
    this.#maxChars = maxChars
  }

  /** What was decoded from exactly this text for this key, if it is still kept. */
  match(key: string, raw: string): Decoded | undefined {
    const kept = this.#kept.get(key)
    return kept !== undefined && kept.raw === raw ? kept : undefined
  }

  /** The value of `kept`, copied for this caller. */
  copy<T>(kept: Decoded): T {
    const value = copyJson(kept.value)
    // Only values that copied once are kept; kept values are plain JSON, so a parse is the same.
    return (value === UNCOPYABLE ? JSON.parse(kept.entry.payload) : value) as T
  }

  /** Decodes the payload of `entry`, read as `raw`, and keeps it for the next read of `key`. */
  decode<T>(key: string, raw: string, entry: Entry): Deserialized<T> {
    const decoded = deserialize<T>(entry.payload)
    if (!decoded.ok || this.#maxChars === 0) return decoded
    const previous = this.#kept.get(key)
    if (previous !== undefined) this.#forget(key, previous)
    // A plain entry's payload is a slice of its text; a compressed one's is a text of its own.
    const chars = raw[0] === 'J' ? raw.length : raw.length + entry.payload.length
    if (chars > this.#maxChars / 4 || entry.payload.includes(ENVELOPE)) return decoded
    // The parsed value is kept and the caller gets a copy, so nobody holds the kept one.
    const value = copyJson(decoded.value)
    if (value === UNCOPYABLE) return decoded
    this.#remember(key, { raw, entry, value: decoded.value, chars })
    return { ok: true, value: value as T }
  }

  /** Keys kept now. */
  get size(): number {
    return this.#kept.size
  }

  #remember(key: string, kept: Decoded): void {
    this.#kept.set(key, kept)
    this.#chars += kept.chars
    for (const [oldest, entry] of this.#kept) {
      if (this.#chars <= this.#maxChars) break
      this.#forget(oldest, entry)
    }
  }

  #forget(key: string, kept: Decoded): void {
    this.#kept.delete(key)
    this.#chars -= kept.chars
  }
}

const UNCOPYABLE = Symbol('uncopyable')

/**
 * A deep copy of what `JSON.parse` returns (objects, arrays, strings, numbers, booleans,
 * null), equal to parsing the same text again: same key order, `__proto__` kept as an own
 * key. `UNCOPYABLE` when the value nests too deeply to recurse.
 */
export function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  try {
    return copy(value)
  } catch {
    return UNCOPYABLE
  }
}

function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    const out: unknown[] = []
    for (let i = 0; i < value.length; i++) out.push(copy(value[i]))
    return out
  }
  const source = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  const keys = Object.keys(source)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: copy(source[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else {
      out[key] = copy(source[key])
    }
  }
  return out
}
