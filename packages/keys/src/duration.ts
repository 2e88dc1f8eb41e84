import { KeyError } from './errors'

/** A TTL written with its unit: `'90s'`, `'5m'`, `'1h'`, `'7d'`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const
const DURATION = /^([1-9]\d*)(s|m|h|d)$/

/**
 * Normalises a TTL to whole seconds. Redis `EX` takes whole seconds, so fractions are
 * refused rather than rounded behind the caller's back.
 */
export function ttlSeconds(ttl: number | Duration | undefined, where: string): number | undefined {
  if (ttl === undefined) return undefined
  if (typeof ttl === 'number') {
    if (Number.isSafeInteger(ttl) && ttl > 0) return ttl
  } else if (typeof ttl === 'string') {
    const match = DURATION.exec(ttl)
    if (match) {
      const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS]
      if (Number.isSafeInteger(seconds)) return seconds
    }
  }
  throw new KeyError(
    'E_KEY_TTL_INVALID',
    `${where}: ttl must be a positive whole number of seconds or a duration like '90s', '5m', '1h', '7d'; got ${JSON.stringify(ttl)}`,
  )
}
