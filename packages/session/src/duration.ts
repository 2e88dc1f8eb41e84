import { errors, SessionError } from './errors'

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A number of seconds, or a string such as `'500ms'`, `'45s'`, `'30m'`, `'12h'`, `'7d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

/** Milliseconds of a duration; throws `E_OPTION_INVALID` unless it is positive and finite. */
export function toMilliseconds(duration: Duration, option: string): number {
  let ms = Number.NaN
  if (typeof duration === 'number') ms = duration * 1_000
  else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(duration.trim())
    if (match) ms = Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN)
  }
  if (!Number.isFinite(ms) || ms < 1) {
    throw new SessionError(
      errors.E_OPTION_INVALID,
      `${option} must be a positive number of seconds or a string like '7d', '12h', '500ms'; got ${String(duration)}`,
    )
  }
  return Math.round(ms)
}
