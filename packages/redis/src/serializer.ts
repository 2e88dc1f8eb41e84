import { errors, RedisError } from './errors'

/**
 * Values JSON cannot represent (Date, Map, Set, BigInt, undefined…) are stored in an
 * envelope marked with this key; everything else is stored as plain JSON, so the common
 * case costs one JSON.parse and stays readable from redis-cli and other languages.
 */
const MARK = '__hotpath'

/**
 * The envelope's format. 1 was superjson's `{ json, meta }`, which refuses any object with a
 * `constructor`, `prototype` or `__proto__` key (user data such as form input and third-party
 * payloads has them) and stored an invalid Date as `null`; such an envelope now reads as
 * `{ ok: false }`, which a cache treats as a miss.
 */
const VERSION = 2

/**
 * Inside an envelope (`{"__hotpath":2,"v":node}`) a node is a JSON string, boolean, null or
 * finite number standing for itself, or an array whose first element is a tag:
 *
 * `["a", ...items]` array · `["o", key, value, …]` object · `["M", key, value, …]` Map ·
 * `["S", ...items]` Set · `["D", ms | null]` Date (null: invalid) · `["B", digits]` BigInt ·
 * `["U"]` undefined · `["N", "NaN" | "Infinity" | "-Infinity" | "-0"]` ·
 * `["R", source, flags]` RegExp · `["E", name, message]` Error · `["L", href]` URL.
 *
 * Object keys travel as array elements, never as keys of an object this code builds, so a
 * `__proto__` key is plain data on both sides and no prototype is ever read or written.
 * JSON.stringify escapes lone surrogates (`\ud800`), so the stored text is well-formed
 * Unicode whatever the strings hold, and every driver carries it unchanged.
 */
type Node = string | number | boolean | null | Node[]

const UNDEFINED: Node = ['U']

/**
 * Past this depth the plain-JSON check gives up and the value takes the envelope path, whose
 * walk tracks ancestors: the check must end on a cyclic value without paying for a Set.
 */
const PLAIN_DEPTH = 64

/** Whether JSON.stringify then JSON.parse gives back exactly `value`. */
function isPlain(value: unknown, depth: number): boolean {
  if (value === null) return true
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0)
    case 'object':
      break
    default:
      return false
  }
  if (depth > PLAIN_DEPTH) return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // a hole would come back as null
      if (!(i in value) || !isPlain(value[i], depth + 1)) return false
    }
    return true
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!isPlain(record[key], depth + 1)) return false
  }
  return true
}

function encodeNumber(value: number): Node {
  if (Number.isFinite(value) && (value !== 0 || 1 / value > 0)) return value
  return ['N', Object.is(value, -0) ? '-0' : String(value)]
}

function encode(value: unknown, ancestors: Set<object>): Node {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return encodeNumber(value)
    case 'bigint':
      return ['B', value.toString()]
    case 'object':
      break
    default:
      // undefined; functions and symbols, which JSON drops, come back as undefined too
      return UNDEFINED
  }
  if (value === null) return null
  if (ancestors.has(value)) {
    throw new RedisError(errors.E_INVALID_ARGUMENT, 'serialize(): the value contains a cycle')
  }
  ancestors.add(value)
  try {
    return encodeObject(value, ancestors)
  } finally {
    ancestors.delete(value)
  }
}

function encodeObject(value: object, ancestors: Set<object>): Node {
  if (value instanceof Date) {
    const ms = value.getTime()
    return ['D', Number.isNaN(ms) ? null : ms]
  }
  if (Array.isArray(value)) {
    const node: Node[] = ['a']
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      // as in JSON, a function or symbol in an array becomes null
      node.push(
        typeof item === 'function' || typeof item === 'symbol' ? null : encode(item, ancestors),
      )
    }
    return node
  }
  if (value instanceof Map) {
    const node: Node[] = ['M']
    for (const [key, item] of value) node.push(encode(key, ancestors), encode(item, ancestors))
    return node
  }
  if (value instanceof Set) {
    const node: Node[] = ['S']
    for (const item of value) node.push(encode(item, ancestors))
    return node
  }
  if (value instanceof RegExp) return ['R', value.source, value.flags]
  if (value instanceof Error) return ['E', value.name, value.message]
  if (typeof URL === 'function' && value instanceof URL) return ['L', value.href]
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return encode(toJSON.call(value), ancestors)
  const node: Node[] = ['o']
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const item = record[key]
    // as in JSON, a function or symbol member is left out
    if (typeof item === 'function' || typeof item === 'symbol') continue
    node.push(key, encode(item, ancestors))
  }
  return node
}

/**
 * Serializes a value for storage. Lossless for JSON (whatever its keys, `__proto__` included),
 * Date (an invalid one too), Map, Set, BigInt, RegExp, undefined, NaN, ±Infinity, -0, and the
 * name and message of an Error; a URL comes back as a URL. Other objects are stored as JSON
 * would store them (`toJSON`, else their own enumerable properties). Throws a `RedisError`
 * `E_INVALID_ARGUMENT` for a cyclic value or one nested too deeply for the stack.
 */
export function serialize(value: unknown): string {
  if (isPlain(value, 0) && !hasMark(value)) return JSON.stringify(value)
  try {
    return JSON.stringify({ [MARK]: VERSION, v: encode(value, new Set()) })
  } catch (error) {
    if (error instanceof RedisError) throw error
    throw new RedisError(
      errors.E_INVALID_ARGUMENT,
      `serialize(): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
}

/** A user object carrying the marker itself must be wrapped, or it would be misread. */
function hasMark(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, MARK)
  )
}

export type Deserialized<T> = { ok: true; value: T } | { ok: false }

const CORRUPT = new Error('corrupt envelope')

function decode(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node
  if (!Array.isArray(node)) throw CORRUPT
  const [tag, first, second] = node as unknown[]
  const length = node.length
  switch (tag) {
    case 'a':
      return node.slice(1).map(decode)
    case 'o': {
      if (length % 2 === 0) throw CORRUPT
      const out: Record<string, unknown> = {}
      for (let i = 1; i < length; i += 2) {
        const key: unknown = node[i]
        if (typeof key !== 'string') throw CORRUPT
        const value = decode(node[i + 1])
        // plain assignment to `__proto__` would set the prototype instead of a property
        if (key === '__proto__') {
          Object.defineProperty(out, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          })
        } else out[key] = value
      }
      return out
    }
    case 'M': {
      if (length % 2 === 0) throw CORRUPT
      const out = new Map<unknown, unknown>()
      for (let i = 1; i < length; i += 2) out.set(decode(node[i]), decode(node[i + 1]))
      return out
    }
    case 'S':
      return new Set(node.slice(1).map(decode))
    case 'D':
      if (first === null) return new Date(Number.NaN)
      if (typeof first !== 'number') throw CORRUPT
      return new Date(first)
    case 'B':
      if (typeof first !== 'string') throw CORRUPT
      return BigInt(first)
    case 'U':
      return undefined
    case 'N':
      if (first === 'NaN') return Number.NaN
      if (first === 'Infinity') return Number.POSITIVE_INFINITY
      if (first === '-Infinity') return Number.NEGATIVE_INFINITY
      if (first === '-0') return -0
      throw CORRUPT
    case 'R':
      if (typeof first !== 'string' || typeof second !== 'string') throw CORRUPT
      return new RegExp(first, second)
    case 'E': {
      if (typeof first !== 'string' || typeof second !== 'string') throw CORRUPT
      const error = new Error(second)
      error.name = first
      return error
    }
    case 'L':
      if (typeof first !== 'string') throw CORRUPT
      return new URL(first)
    default:
      throw CORRUPT
  }
}

/** The inverse of `serialize`. Text that is not valid JSON or a valid envelope yields `{ ok: false }`, never a throw. */
export function deserialize<T = unknown>(raw: string): Deserialized<T> {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return { ok: false }
  }
  // JSON.parse makes a `__proto__` key an own property, so plain values are safe as they are.
  if (!hasMark(parsed)) return { ok: true, value: parsed as T }
  const envelope = parsed as Record<string, unknown>
  if (envelope[MARK] !== VERSION || !Object.hasOwn(envelope, 'v')) return { ok: false }
  try {
    return { ok: true, value: decode(envelope.v) as T }
  } catch {
    return { ok: false }
  }
}
