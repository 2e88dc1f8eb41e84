import superjson from 'superjson'

/**
 * Values JSON cannot represent (Date, Map, Set, BigInt, undefined…) are stored in an
 * envelope marked with this key; everything else is stored as plain JSON, so the common
 * case costs one JSON.parse and stays readable from redis-cli and other languages.
 */
const MARK = '__hotpath'

type Envelope = { [MARK]: 1; json?: unknown; meta?: unknown }

function needsEnvelope(json: unknown): boolean {
  // A user object that carries the marker itself must be wrapped, or it would be misread.
  return typeof json === 'object' && json !== null && !Array.isArray(json) && MARK in json
}

/** Serializes a value for storage. Lossless for Date, Map, Set, BigInt, RegExp, undefined. */
export function serialize(value: unknown): string {
  const { json, meta } = superjson.serialize(value)
  if (meta === undefined && !needsEnvelope(json)) return JSON.stringify(json)
  const envelope: Envelope = { [MARK]: 1, json, meta }
  return JSON.stringify(envelope)
}

export type Deserialized<T> = { ok: true; value: T } | { ok: false }

/** The inverse of `serialize`. A value that is not valid JSON yields `{ ok: false }`, never a throw. */
export function deserialize<T = unknown>(raw: string): Deserialized<T> {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return { ok: false }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !(MARK in parsed)) {
    return { ok: true, value: parsed as T }
  }
  const envelope = parsed as Envelope
  try {
    return {
      ok: true,
      value: superjson.deserialize<T>({
        json: envelope.json as never,
        meta: envelope.meta as never,
      }),
    }
  } catch {
    return { ok: false }
  }
}
