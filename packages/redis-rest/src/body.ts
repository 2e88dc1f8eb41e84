import { errors } from './errors'
import { Rejection } from './rejection'

/** How a transport reads a request body for the core. */
export type BodyLimits = {
  /** Largest body in bytes: past it, a 413 `Rejection`. */
  maxBytes: number
  /** Longest the whole body may take to arrive: past it, a 408 `Rejection`. */
  timeoutMs: number
  /** Sees each chunk as it arrives; throws a `Rejection` to stop reading. */
  inspect?: (chunk: Uint8Array) => void
}

export function tooLarge(limit: number): Rejection {
  return new Rejection(413, `ERR request body exceeds ${limit} bytes`)
}

export function tooSlow(timeoutMs: number): Rejection {
  return new Rejection(
    408,
    `ERR the request body did not arrive within ${timeoutMs} ms`,
    errors.E_LIMIT_EXCEEDED,
  )
}

const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * A chunk inspector that refuses JSON nested deeper than `maxDepth` as soon as the bytes that
 * pass it arrive, before the body is complete and before JSON.parse: `[[[…]]]` ten megabytes
 * deep used to be parsed whole, freezing every other request for seconds. A command is one
 * level deep, a pipeline two; nothing valid nests further. One pass over the bytes, tracking
 * only whether it is inside a string; the rest of the syntax is JSON.parse's business.
 */
export function nestingGuard(maxDepth: number): (chunk: Uint8Array) => void {
  let depth = 0
  let inString = false
  let escaped = false
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]
      if (inString) {
        if (escaped) escaped = false
        else if (byte === BACKSLASH) escaped = true
        else if (byte === QUOTE) inString = false
      } else if (byte === QUOTE) {
        inString = true
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        if (++depth > maxDepth) {
          throw new Rejection(
            400,
            `ERR the body nests deeper than ${maxDepth} level${maxDepth === 1 ? '' : 's'}`,
            errors.E_LIMIT_EXCEEDED,
          )
        }
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        depth--
      }
    }
  }
}
