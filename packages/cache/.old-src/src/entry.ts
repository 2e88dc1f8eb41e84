import { serialize } from '@hotpath/redis'

/**
 * One cached value as stored in Redis: a format byte, a JSON header, a newline, then the
 * value as `serialize` from @hotpath/redis wrote it.
 *
 *   J[1,createdAt,expiresAt,["tag",…],["token",…]]\n{"the":"value"}
 *   Z<base64 of deflate-raw of everything after the J>
 *
 * The logical expiry lives in the entry, not in the Redis TTL: the key outlives it by the
 * grace period, which is what lets a stale value be served while it is refreshed. Tags travel
 * with the tag tokens seen when the value was loaded, so a read can tell whether a tag was
 * invalidated since (see tags.ts). Strings rather than bytes, because the HTTP driver carries
 * strings; compressed bodies are therefore base64.
 */
export type Entry = {
  /** The value as `serialize` wrote it; deserialized lazily by the reader. */
  payload: string
  /** Epoch ms when the value was loaded. */
  createdAt: number
  /** Epoch ms after which the value is stale (still servable inside the grace window). */
  expiresAt: number
  tags: string[]
  /** Tag tokens seen before the loader ran, one per tag; `''` when the tag had none. */
  tokens: string[]
}

const VERSION = 1
const PLAIN = 'J'
const DEFLATED = 'Z'

type Zlib = typeof import('node:zlib')
let zlib: Promise<Zlib> | undefined
// Imported on first use, so the entry stays loadable in edge runtimes that lack node:zlib
// as long as compression is off and no compressed entry is read.
const loadZlib = () => {
  zlib ??= import('node:zlib')
  return zlib
}

export function encodePayload(value: unknown): string {
  return serialize(value)
}

export async function encodeEntry(
  entry: Entry,
  compressAbove: number | undefined,
): Promise<string> {
  const body = `${JSON.stringify([VERSION, entry.createdAt, entry.expiresAt, entry.tags, entry.tokens])}\n${entry.payload}`
  if (compressAbove === undefined || body.length < compressAbove) return PLAIN + body
  const { deflateRawSync } = await loadZlib()
  const packed = deflateRawSync(Buffer.from(body, 'utf8')).toString('base64')
  // Incompressible data stays plain: the reader pays no inflate for nothing.
  return packed.length < body.length ? DEFLATED + packed : PLAIN + body
}

/** The synchronous path for an uncompressed entry (the hot path of a hit). */
export function decodePlainEntry(raw: string): Entry | undefined {
  return raw[0] === PLAIN ? parseBody(raw, 1) : undefined
}

/** `undefined` for anything that is not an entry this version wrote (a foreign value, a torn write). */
export async function decodeEntry(raw: string): Promise<Entry | undefined> {
  const format = raw[0]
  if (format === PLAIN) return parseBody(raw, 1)
  if (format !== DEFLATED) return undefined
  try {
    const { inflateRawSync } = await loadZlib()
    return parseBody(inflateRawSync(Buffer.from(raw.slice(1), 'base64')).toString('utf8'), 0)
  } catch {
    return undefined
  }
}

/** The header of an entry without tags, `[1,createdAt,expiresAt,[],[]]`, the common case. */
const UNTAGGED_HEAD = `[${VERSION},`
const UNTAGGED_TAIL = ',[],[]]'

/**
 * Reads an untagged header without JSON.parse (a third of a hit's CPU went to parsing);
 * `undefined` sends anything else to the general parser.
 */
function parseUntagged(body: string, start: number, newline: number): Entry | undefined {
  const from = start + UNTAGGED_HEAD.length
  const to = newline - UNTAGGED_TAIL.length
  if (to <= from || !body.startsWith(UNTAGGED_HEAD, start)) return undefined
  if (!body.startsWith(UNTAGGED_TAIL, to)) return undefined
  const comma = body.indexOf(',', from)
  if (comma < 0 || comma >= to) return undefined
  const createdAt = toInteger(body, from, comma)
  const expiresAt = toInteger(body, comma + 1, to)
  if (createdAt === undefined || expiresAt === undefined) return undefined
  return {
    payload: body.slice(newline + 1),
    createdAt,
    expiresAt,
    tags: [],
    tokens: [],
  }
}

/** Digits only (what JSON.stringify writes for an epoch ms), else `undefined`. */
function toInteger(text: string, from: number, to: number): number | undefined {
  if (to - from < 1 || to - from > 16) return undefined
  let value = 0
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return undefined
    value = value * 10 + digit
  }
  return value
}

function parseBody(body: string, start: number): Entry | undefined {
  const newline = body.indexOf('\n', start)
  if (newline < 0) return undefined
  const untagged = parseUntagged(body, start, newline)
  if (untagged) return untagged
  let header: unknown
  try {
    header = JSON.parse(body.slice(start, newline))
  } catch {
    return undefined
  }
  if (!Array.isArray(header) || header[0] !== VERSION) return undefined
  const [, createdAt, expiresAt, tags, tokens] = header as [
    number,
    unknown,
    unknown,
    unknown,
    unknown,
  ]
  if (
    typeof createdAt !== 'number' ||
    typeof expiresAt !== 'number' ||
    !isStringArray(tags) ||
    !isStringArray(tokens) ||
    tags.length !== tokens.length
  ) {
    return undefined
  }
  return { payload: body.slice(newline + 1), createdAt, expiresAt, tags, tokens }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
