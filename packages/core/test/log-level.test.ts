import { afterEach, describe, expect, it } from 'vitest'
import { debugFromEnv } from '../src/log-level'

const saved = process.env.LOG_LEVEL

afterEach(() => {
  if (saved === undefined) delete process.env.LOG_LEVEL
  else process.env.LOG_LEVEL = saved
})

describe('debugFromEnv', () => {
  it.each(['debug', 'DEBUG', 'Debug', ' debug '])('LOG_LEVEL=%j turns debug on', (value) => {
    process.env.LOG_LEVEL = value
    expect(debugFromEnv()).toBe(true)
  })

  it.each(['info', 'warn', '', 'debugging'])('LOG_LEVEL=%j leaves it off', (value) => {
    process.env.LOG_LEVEL = value
    expect(debugFromEnv()).toBe(false)
  })

  it('is off when LOG_LEVEL is unset', () => {
    delete process.env.LOG_LEVEL
    expect(debugFromEnv()).toBe(false)
  })
})
