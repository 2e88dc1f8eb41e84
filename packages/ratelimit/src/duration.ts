import { errors, RatelimitError } from './errors'

type Unit = 'ms' | 's' | 'm' | 'h' | 'd'

/** A window as @upstash/ratelimit writes it: `'10 s'`, `'1m'`, `'500 ms'`, `'1.5 h'`. */
export type Duration = `${number} ${Unit}` | `${number}${Unit}`

const MULTIPLIERS: Record<Unit, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const PATTERN = /^(\d+(?:\.\d+)?)\s?(ms|s|m|h|d)$/

/** Milliseconds of a duration; a number is taken as milliseconds already. */
export function toMs(duration: Duration | number): number {
  if (typeof duration === 'number') {
    if (Number.isInteger(duration) && duration >= 1) return duration
    throw new RatelimitError(
      errors.E_DURATION_INVALID,
      `A window in milliseconds must be a positive integer, got ${duration}`,
    )
  }
  const match = typeof duration === 'string' ? PATTERN.exec(duration.trim()) : null
  if (!match) {
    throw new RatelimitError(
      errors.E_DURATION_INVALID,
      `Cannot parse the duration ${JSON.stringify(duration)}: write it like '10 s' (units ms, s, m, h, d)`,
    )
  }
  const ms = Math.round(Number.parseFloat(match[1] ?? '') * MULTIPLIERS[match[2] as Unit])
  if (ms < 1) {
    throw new RatelimitError(
      errors.E_DURATION_INVALID,
      `A duration must be at least 1 ms, got ${duration}`,
    )
  }
  return ms
}
