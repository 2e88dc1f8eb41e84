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

const COMMA = 0x2c

export type JsonGuardLimits = {
  /** Deepest nesting allowed. */
  maxDepth: number
  /** The depth whose elements are counted: 1 for a command's words, 2 for a pipeline's. */
  wordDepth: number
  /** Most elements at `wordDepth`, all arrays together. */
  maxWords: number
  /** The refusal past `maxWords`. */
  tooManyWords: () => Rejection
}

/**
 * A chunk inspector that refuses JSON nested deeper than `maxDepth`, or with more than
 * `maxWords` words, as soon as the bytes that pass the bound arrive: before the body is
 * complete and before JSON.parse. `[[[…]]]` ten megabytes deep used to be parsed whole,
 * freezing every other request for seconds; a pipeline of 2.5 million one-letter words took
 * 2.7 s of the event loop from parse to reply. One pass over the bytes, tracking only whether
 * it is inside a string; the rest of the syntax is JSON.parse's business.
 */
export function jsonGuard(limits: JsonGuardLimits): (chunk: Uint8Array) => void {
  const { maxDepth, wordDepth, maxWords } = limits
  let depth = 0
  let words = 0
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
      } else if (byte === COMMA) {
        // Every element after the first of an array at wordDepth follows a comma.
        if (depth === wordDepth && ++words > maxWords) throw limits.tooManyWords()
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        if (++depth > maxDepth) {
          throw new Rejection(
            400,
            `ERR the body nests deeper than ${maxDepth} level${maxDepth === 1 ? '' : 's'}`,
            errors.E_LIMIT_EXCEEDED,
          )
        }
        // ...and the first one follows the bracket (an empty array is refused later anyway).
        if (depth === wordDepth && ++words > maxWords) throw limits.tooManyWords()
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        depth--
      }
    }
  }
}
