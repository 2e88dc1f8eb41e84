/**
 * Turns a Redis reply into the JSON value Upstash answers with. With `base64`, every
 * string is base64 of its raw bytes, nested ones too, except a top-level `"OK"`: the
 * @upstash/redis SDK decodes a top-level string unless it is exactly "OK", but decodes
 * every string inside an array, so a nested "OK" must be encoded like any other.
 */
export function encodeResult(reply: unknown, base64: boolean): unknown {
  if (base64 && isOk(reply)) return 'OK'
  return encodeValue(reply, base64)
}

function isOk(reply: unknown): boolean {
  if (typeof reply === 'string') return reply === 'OK'
  return Buffer.isBuffer(reply) && reply.length === 2 && reply[0] === 0x4f && reply[1] === 0x4b
}

function encodeValue(value: unknown, base64: boolean): unknown {
  if (value === null || value === undefined) return null
  if (Buffer.isBuffer(value)) return base64 ? value.toString('base64') : value.toString('utf8')
  switch (typeof value) {
    case 'string':
      return base64 ? Buffer.from(value, 'utf8').toString('base64') : value
    case 'number':
      return value
    case 'bigint':
      return Number(value)
    case 'boolean':
      // Lua false is a nil reply and Lua true is 1, as Redis converts them.
      return value ? 1 : null
    default:
      break
  }
  if (Array.isArray(value)) return value.map((item) => encodeValue(item, base64))
  if (value instanceof Error) return encodeValue(value.message, base64)
  if (typeof value === 'object') {
    // The in-memory backend answers HGETALL-style replies as objects; RESP2 has flat arrays.
    return Object.entries(value).flatMap(([k, v]) => [
      encodeValue(k, base64),
      encodeValue(v, base64),
    ])
  }
  return encodeValue(String(value), base64)
}
