import { HotpathError } from '@hotpath/core'

/**
 * Stable error codes. Bad input throws a `RatelimitError`; an expected outcome (a refusal,
 * Redis being down) is data in the `limit()` result, never an exception.
 */
export const errors = {
  /** A limit, token count or refill rate is not a positive integer. */
  E_LIMIT_INVALID: 'E_LIMIT_INVALID',
  /** `rate` is not an integer. */
  E_RATE_INVALID: 'E_RATE_INVALID',
  /** The identifier is empty or not a string. */
  E_IDENTIFIER_INVALID: 'E_IDENTIFIER_INVALID',
  /**
   * An option is missing or has the wrong shape: no `redis`, an unknown `failureMode`, a
   * window, interval, retention or timeout that is not a duration (or is out of range).
   */
  E_OPTION_INVALID: 'E_OPTION_INVALID',
  /**
   * The Ratelimit was given an option it does not know (a typo, or an option of another
   * version): protection silently lost is worse than a startup error.
   */
  E_OPTION_UNKNOWN: 'E_OPTION_UNKNOWN',
  /** A trusted-proxy entry is not an IP address or CIDR range. */
  E_PROXY_INVALID: 'E_PROXY_INVALID',
  /**
   * The middleware could not tell who the client is: no connection address and no `key`.
   * Sharing one bucket among all unknown clients would be a silent outage, so this throws.
   */
  E_CLIENT_UNKNOWN: 'E_CLIENT_UNKNOWN',
  /** Redis answered the script with something that is not the documented reply shape. */
  E_REPLY_INVALID: 'E_REPLY_INVALID',
} as const

export type RatelimitErrorCode = (typeof errors)[keyof typeof errors]

export class RatelimitError extends HotpathError<RatelimitErrorCode> {
  override name = 'RatelimitError'
}
