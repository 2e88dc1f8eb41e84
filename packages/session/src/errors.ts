/**
 * Stable error codes. Callers branch on `code`, never on messages. A missing, expired or
 * revoked session is an expected outcome (`null`), never one of these.
 */
export const errors = {
  /** An option of `createSessionStore` / `secondaryStorage` is out of range (ttl, prefix…). */
  E_SESSION_OPTIONS_INVALID: 'E_SESSION_OPTIONS_INVALID',
  /** `create()` got data without a non-empty string `userId`. */
  E_SESSION_USER_ID_MISSING: 'E_SESSION_USER_ID_MISSING',
  /** `update()` tried to move a session to another user; sessions are bound to one user. */
  E_SESSION_USER_ID_IMMUTABLE: 'E_SESSION_USER_ID_IMMUTABLE',
  /** Redis failed or answered something a session script never returns; `cause` holds why. */
  E_SESSION_STORE: 'E_SESSION_STORE',
} as const

export type SessionErrorCode = (typeof errors)[keyof typeof errors]

const BRAND = Symbol.for('hotpath.SessionError')

export class SessionError extends Error {
  readonly code: SessionErrorCode
  readonly [BRAND] = true

  constructor(code: SessionErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SessionError'
    this.code = code
  }

  // The ESM and CJS builds each carry a copy of this class; instanceof must hold across both.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BRAND in value
  }
}
