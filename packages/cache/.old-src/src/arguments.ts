import type { KeyRef } from '@hotpath/keys'
import { CacheError, errors } from './errors'

/**
 * Checks of what callers pass, so a wrong type is a `CacheError` with a stable code instead of
 * a `TypeError` from deep inside, or a silent miss. Positional arguments are
 * `E_INVALID_ARGUMENT`; fields of an options object are `E_OPTION_INVALID`.
 */

const LONE_SURROGATE = /\p{Surrogate}/u
// Node 20 and current browsers have `isWellFormed` (a native scan); older edge runtimes may not.
const native = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed

/**
 * Whether `text` has a UTF-8 form. Redis stores bytes; a driver writes U+FFFD for a lone
 * surrogate, so `user:\ud800` and `user:\udbff` would be one key.
 */
export const isWellFormed: (text: string) => boolean =
  native === undefined ? (text) => !LONE_SURROGATE.test(text) : (text) => native.call(text)

export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return isWellFormed(value) ? 'a string' : 'a lone UTF-16 surrogate'
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`
  }
  return typeof value
}

export function invalidArgument(what: string, expected: string, value: unknown): CacheError {
  return new CacheError(
    errors.E_INVALID_ARGUMENT,
    `${what} must be ${expected}, got ${describeValue(value)}`,
  )
}

export function invalidOption(what: string, expected: string, value: unknown): CacheError {
  return new CacheError(
    errors.E_OPTION_INVALID,
    `${what} must be ${expected}, got ${describeValue(value)}`,
  )
}

const KEY_TEXT = 'a non-empty string of well-formed Unicode (no lone surrogate)'

/** A non-empty, well-formed string: what Redis can hold as a key, a tag or a resource. */
export function isKeyText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && isWellFormed(value)
}

export function checkKeyText(value: unknown, what: string): asserts value is string {
  if (!isKeyText(value)) throw invalidArgument(what, KEY_TEXT, value)
}

/** A KeyRef from the registry, whose key the registry already checked. */
export function isKeyRef(value: unknown): value is KeyRef {
  if (typeof value !== 'object' || value === null) return false
  const ref = value as { key?: unknown; definition?: unknown; tags?: unknown }
  return (
    typeof ref.key === 'string' &&
    Array.isArray(ref.tags) &&
    (typeof ref.definition === 'function' || typeof ref.definition === 'object') &&
    ref.definition !== null
  )
}

export function checkCacheKey(key: unknown, what: string): void {
  if (typeof key === 'string') checkKeyText(key, what)
  else if (!isKeyRef(key)) {
    throw invalidArgument(what, `${KEY_TEXT} or a KeyRef from @hotpath/keys`, key)
  }
}

function badTag(tags: unknown): boolean {
  if (!Array.isArray(tags)) return true
  for (let i = 0; i < tags.length; i++) if (!isKeyText(tags[i])) return true
  return false
}

const TAGS = `an array of ${KEY_TEXT}s`

/** Tags passed as an argument (`invalidateTags`, `setTags`). */
export function checkTagsArgument(tags: unknown, what: string): asserts tags is readonly string[] {
  if (badTag(tags)) throw invalidArgument(what, TAGS, describeTags(tags))
}

/** `tags` of an options object. */
export function checkTagsOption(tags: unknown, what: string): void {
  if (tags !== undefined && badTag(tags)) throw invalidOption(what, TAGS, describeTags(tags))
}

/** The offending tag itself when the list is an array, so the message names what is wrong. */
function describeTags(tags: unknown): unknown {
  return Array.isArray(tags) ? tags.find((tag) => !isKeyText(tag)) : tags
}

export function checkFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') throw invalidArgument(what, 'a function', value)
}

/** An options argument: absent, or an object. */
export function checkOptions(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw invalidOption(what, 'an object or undefined', value)
  }
}

export function checkSchemaOption(schema: unknown, what: string): void {
  if (
    schema !== undefined &&
    typeof (schema as { '~standard'?: { validate?: unknown } } | null)?.['~standard']?.validate !==
      'function'
  ) {
    throw invalidOption(what, 'a Standard Schema v1 (zod, valibot, arktype…)', schema)
  }
}
