const LONE_SURROGATE = /\p{Surrogate}/u

// Node 20 and current browsers have `isWellFormed` (a native scan); older edge runtimes may not.
const native = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed

/**
 * Whether `text` has a UTF-8 form: no lone UTF-16 surrogate. Redis stores bytes, and every
 * driver's encoder writes U+FFFD for a lone surrogate, so two such strings would become one.
 */
export const isWellFormed: (text: string) => boolean =
  native === undefined ? (text) => !LONE_SURROGATE.test(text) : (text) => native.call(text)
