import { HotpathError } from '@hotpath/core'

/**
 * Stable error codes of `@hotpath/keys`. Every failure is raised at definition time
 * (templates, options, collisions) or at build time (parameter values), never on read.
 */
export const errors = {
  /** The template string is malformed (bad `{param}`, reserved character, duplicate name). */
  E_KEY_TEMPLATE_INVALID: 'E_KEY_TEMPLATE_INVALID',
  /** A parameter value is the empty string. */
  E_KEY_PARAM_EMPTY: 'E_KEY_PARAM_EMPTY',
  /** A parameter named by the template was not passed. */
  E_KEY_PARAM_MISSING: 'E_KEY_PARAM_MISSING',
  /** A parameter the template does not name was passed. */
  E_KEY_PARAM_UNKNOWN: 'E_KEY_PARAM_UNKNOWN',
  /** A parameter value is neither a string nor a finite number, or is not well-formed Unicode. */
  E_KEY_PARAM_INVALID: 'E_KEY_PARAM_INVALID',
  /** Two definitions share a name, or two templates could build the same key. */
  E_KEY_COLLISION: 'E_KEY_COLLISION',
  /** The SCAN pattern of one template could match keys of another template. */
  E_KEY_PATTERN_OVERLAP: 'E_KEY_PATTERN_OVERLAP',
  /**
   * An option is invalid: a `ttl` that is not a duration of whole seconds (at least 1), a
   * `prefix`, `jitter`, `version`, `slot` or `tags`.
   */
  E_OPTION_INVALID: 'E_OPTION_INVALID',
} as const

export type KeyErrorCode = (typeof errors)[keyof typeof errors]

export class KeyError extends HotpathError<KeyErrorCode> {
  override name = 'KeyError'
}
