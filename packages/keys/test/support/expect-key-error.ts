import { expect } from 'vitest'
import { KeyError, type KeyErrorCode } from '../../src/index'

/** Runs `fn`, expects a KeyError with `code`, and returns it for further checks. */
export function expectKeyError(fn: () => unknown, code: KeyErrorCode): KeyError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KeyError)
    expect((error as KeyError).code).toBe(code)
    return error as KeyError
  }
  throw new Error(`expected a KeyError ${code}, nothing was thrown`)
}
