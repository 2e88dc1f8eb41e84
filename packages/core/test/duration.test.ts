import { describe, expect, it } from 'vitest'
import { HotpathError, parseDuration } from '../src/index'
import { durationCases } from '../src/testing'

class PackageError extends HotpathError {
  constructor(code: 'E_OPTION_INVALID', message: string) {
    super(code, message)
    this.name = 'PackageError'
  }
}

describe('parseDuration', () => {
  it.each(durationCases.accepted)('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input, 'ttl')).toBe(ms)
  })

  it.each(['250ms', '1.5ms', '0.5s', '.5h', '0s'])(
    'reads %j, below a second or fractional',
    (input) => {
      expect(parseDuration(input, 'ttl')).toBeGreaterThanOrEqual(0)
    },
  )

  it.each(durationCases.refused.map((value) => [value]))(
    'refuses %j with E_OPTION_INVALID naming the option and the forms',
    (value) => {
      for (const number of [undefined, 's', 'ms'] as const) {
        expect(() => parseDuration(value, 'lockTtl', { number })).toThrowError(
          expect.objectContaining({
            code: 'E_OPTION_INVALID',
            message: expect.stringMatching(
              /^lockTtl must be a duration such as '250ms', '10s', '10 s', '5m', '1h', '7d'/,
            ),
          }),
        )
      }
    },
  )

  it('refuses a bare number unless the option reads one, then in its unit', () => {
    expect(() => parseDuration(durationCases.bareNumber, 'window')).toThrowError(/window must be/)
    expect(parseDuration(durationCases.bareNumber, 'ttl', { number: 's' })).toBe(2_000_000)
    expect(parseDuration(durationCases.bareNumber, 'timeout', { number: 'ms' })).toBe(2000)
  })

  it('names the unit a number is read in when it refuses', () => {
    expect(() => parseDuration('10', 'ttl', { number: 's' })).toThrowError(
      /or a number of seconds; got "10"$/,
    )
  })

  it('refuses a value below the minimum, naming it', () => {
    expect(() => parseDuration('0s', 'ttl', { min: 1 })).toThrowError(
      /^ttl must be at least 1 ms; got "0s"$/,
    )
    expect(parseDuration('1ms', 'ttl', { min: 1 })).toBe(1)
  })

  it("throws the caller's error class", () => {
    const error = (() => {
      try {
        parseDuration('10x', 'ttl', { error: PackageError })
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(PackageError)
    expect(error).toBeInstanceOf(HotpathError)
  })
})

describe('parseDuration rounding', () => {
  it('answers whole milliseconds, so fractional hours come out as the whole seconds they are', () => {
    expect(parseDuration('1.1h', 'ttl')).toBe(3_960_000)
    expect(parseDuration('1.5ms', 'ttl')).toBe(2)
  })
})
