import type { Deserialized } from '@hotpath/redis'
import { DecodedValues } from './decoded'
import { decodeEntry, decodePlainEntry, type Entry, encodeEntry, encodePayload } from './entry'

/**
 * Stored text ↔ entry and value. Reuse of the last decoded value per key (see decoded.ts)
 * lives here, so readers ask for a header and a value and never see what was kept.
 */
export class EntryCodec {
  readonly #decoded: DecodedValues
  readonly #compressAbove: number | undefined

  constructor(reuseChars: number, compressAbove: number | undefined) {
    this.#decoded = new DecodedValues(reuseChars)
    this.#compressAbove = compressAbove
  }

  /**
   * The header of `raw` when it needs no async work: the kept one when the text is unchanged,
   * else a plain entry's. `undefined` for a compressed or foreign text (see `header`).
   */
  headerSync(key: string, raw: string): Entry | undefined {
    return this.#decoded.match(key, raw)?.entry ?? decodePlainEntry(raw)
  }

  /** The header of any stored text; `undefined` for one this version did not write. */
  async header(key: string, raw: string): Promise<Entry | undefined> {
    return this.headerSync(key, raw) ?? (raw[0] === 'J' ? undefined : decodeEntry(raw))
  }

  /** The value of `entry` (read from `raw`), the caller's own copy either way. */
  value<T>(key: string, raw: string, entry: Entry): Deserialized<T> {
    const kept = this.#decoded.kept(key, entry)
    if (kept) return { ok: true, value: this.#decoded.copy<T>(kept) }
    return this.#decoded.decode<T>(key, raw, entry)
  }

  encode(entry: Omit<Entry, 'payload'> & { value: unknown }): Promise<string> {
    const { value, ...header } = entry
    return encodeEntry({ ...header, payload: encodePayload(value) }, this.#compressAbove)
  }
}
