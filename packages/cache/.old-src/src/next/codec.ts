/**
 * JSON for Next's cache values, which carry Buffers (RSC payloads, route bodies, images) and
 * Maps of Buffers (segment data). Binary goes as base64 so the entry stays a string for the
 * HTTP driver.
 */
const BYTES = '__hotpath_b64'
const MAP = '__hotpath_map'

export function encodeNextValue(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, json) {
    // `this[key]` is the value before Buffer#toJSON ran.
    const original = this[key]
    if (original instanceof Uint8Array) {
      return {
        [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString(
          'base64',
        ),
      }
    }
    if (original instanceof Map) return { [MAP]: [...original.entries()] }
    return json
  })
}

export function decodeNextValue<T>(raw: string): T {
  return JSON.parse(raw, (_key, json: unknown) => {
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      if (BYTES in json)
        return Buffer.from((json as Record<string, string>)[BYTES] as string, 'base64')
      if (MAP in json) return new Map((json as Record<string, [unknown, unknown][]>)[MAP])
    }
    return json
  }) as T
}
