// Symbol.for: the ESM and CJS builds of a package (and of this one) each carry their own copy
// of these classes, so identity checks fail across them; a registered symbol does not.
const BRAND = Symbol.for('hotpath.error')

/**
 * Base of every error a hotpath package throws. `code` is stable (`E_…`, unique in meaning
 * across packages); callers branch on it, never on `message`. A package's class is one line,
 * `class KeyError extends HotpathError<KeyErrorCode> { override name = 'KeyError' }`, plus
 * whatever fields it adds; the name is a literal because a minifier renames classes.
 */
export class HotpathError<C extends string = string> extends Error {
  readonly code: C
  readonly [BRAND] = true

  constructor(code: C, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HotpathError'
    this.code = code
  }

  /**
   * `error instanceof CacheError` holds for an error made by another build's copy of
   * `CacheError`: the value carries the brand and a class of the same name sits on its
   * prototype chain. Subclasses inherit this, so each one answers for its own name only.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!isHotpathError(value)) return false
    for (
      let proto = Object.getPrototypeOf(value);
      proto !== null;
      proto = Object.getPrototypeOf(proto)
    ) {
      // `this` is the class `instanceof` was asked about (a subclass when inherited): the point.
      // Matching by name is what survives two builds of one class; it needs unminified names.
      // biome-ignore lint/complexity/noThisInStatic: the receiver is the subclass being tested
      if (proto === this.prototype || proto.constructor?.name === this.name) return true
    }
    return false
  }
}

/** True for an error thrown by any hotpath package, whichever build (ESM or CJS) made it. */
export function isHotpathError(value: unknown): value is HotpathError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [BRAND]?: unknown })[BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  )
}
