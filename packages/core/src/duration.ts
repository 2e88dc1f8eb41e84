import ms from 'ms'
import { HotpathError } from './errors'

/** The units every hotpath duration option takes, lower case only. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

/** A duration with its unit: `'250ms'`, `'10s'`, `'10 s'`, `'5m'`, `'1h'`, `'7d'`, `'1.5h'`. */
export type Duration = `${number}${DurationUnit}` | `${number} ${DurationUnit}`

/** The forms named in every refusal, so an error message says what would have been accepted. */
export const DURATION_FORMS = "'250ms', '10s', '10 s', '5m', '1h', '7d'"

export type DurationRules = {
  /**
   * The unit a bare number is read in, for an option whose name carries its unit
   * (`timeoutMs`), that `@upstash/ratelimit` compatibility needs, or whose older spelling took
   * a number. Unset, a number is refused like any other malformed value.
   * @default undefined
   */
  number?: 'ms' | 's'
  /** The least value accepted, in milliseconds. @default 0 */
  min?: number
  /**
   * The class thrown, with code `E_OPTION_INVALID`: the calling package's own, so
   * `error instanceof CacheError` holds for a bad cache option.
   * @default HotpathError
   */
  error?: new (
    code: 'E_OPTION_INVALID',
    message: string,
  ) => Error
}

// ms also reads '10' (as ms), '10S', '1y', '2 weeks', '5 mins' and '-5s'. Only a lower-case unit
// of ours right after a digit or a space passes this gate, and a sign is refused below, so ms is
// left to parse the number and multiply.
const OUR_UNIT = /[\d ](?:ms|s|m|h|d)$/

function parse(value: unknown, number: DurationRules['number']): number | undefined {
  if (typeof value === 'number') {
    if (number === undefined || !Number.isFinite(value) || value < 0) return undefined
    return number === 's' ? value * 1000 : value
  }
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (text.startsWith('-') || !OUR_UNIT.test(text)) return undefined
  // ms() returns undefined (typed number) for what its own grammar refuses, e.g. '1x5s'.
  const parsed: number | undefined = ms(text as ms.StringValue)
  return Number.isFinite(parsed) ? parsed : undefined
}

// Whole milliseconds: no timer or Redis expiry is finer, and '1.1h' (3960000.0000000005 as a
// float) must come out as the whole seconds it is.
function whole(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms)
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/**
 * Whole milliseconds of `value`, the one reading of a duration option in every hotpath package.
 * Accepts a number, optional spaces and a unit of `ms`, `s`, `m`, `h`, `d` (`'250ms'`,
 * `'10 s'`, `'1.5h'`; surrounding spaces are ignored); a bare number only under
 * `rules.number`. Anything else, or less than `rules.min`, throws `rules.error` with
 * `E_OPTION_INVALID` and a message naming `option` and the accepted forms.
 */
export function parseDuration(value: unknown, option: string, rules: DurationRules = {}): number {
  const { number, min = 0, error = HotpathError } = rules
  const parsed = whole(parse(value, number))
  if (parsed === undefined) {
    const numbers =
      number === undefined ? '' : ` or a number of ${number === 's' ? 'seconds' : 'milliseconds'}`
    throw new error(
      'E_OPTION_INVALID',
      `${option} must be a duration such as ${DURATION_FORMS} (units ms, s, m, h, d)${numbers}; got ${show(value)}`,
    )
  }
  if (parsed < min) {
    throw new error('E_OPTION_INVALID', `${option} must be at least ${min} ms; got ${show(value)}`)
  }
  return parsed
}
