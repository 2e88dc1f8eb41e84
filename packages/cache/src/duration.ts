import { CacheError, errors } from './errors'

/**
 * A duration: a number in the option's unit (seconds for ttl-like options, to match the key
 * registry and Redis EX; milliseconds for timeouts, to match fetch and setTimeout), or a
 * string with an explicit unit: `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'7d'`.
 */
export type Duration = number | string

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/** Milliseconds of `input`; bare numbers are read in `unit`. */
export function toMs(input: Duration, unit: 's' | 'ms', option: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new CacheError(
        errors.E_OPTION_INVALID,
        `${option} must be a non-negative finite number, got ${input}`,
      )
    }
    return unit === 's' ? input * 1000 : input
  }
  const match = PATTERN.exec(input.trim())
  if (!match) {
    throw new CacheError(
      errors.E_OPTION_INVALID,
      `${option} must be a number or a string such as '500ms', '30s', '5m', '1h', '7d'; got '${input}'`,
    )
  }
  return Number(match[1]) * (UNITS[match[2] as string] as number)
}

/** Like `toMs`, keeping `undefined` as "not set". */
export function optionalMs(
  input: Duration | undefined,
  unit: 's' | 'ms',
  option: string,
): number | undefined {
  return input === undefined ? undefined : toMs(input, unit, option)
}
