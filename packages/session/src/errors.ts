import { HotpathError } from '@hotpath/core'

/**
 * Stable error codes. Callers branch on `code`, never on messages. A missing, expired or
 * revoked session is an expected outcome (`null`), never one of these.
 */
export const errors = {
  /** An option of `createSessionStore` / `secondaryStorage` is out of range (ttl, prefix…). */
  E_OPTION_INVALID: 'E_OPTION_INVALID',
  /** `create()` got data without a non-empty string `userId`. */
  E_SESSION_USER_ID_MISSING: 'E_SESSION_USER_ID_MISSING',
  /** `update()` tried to move a session to another user; sessions are bound to one user. */
  E_SESSION_USER_ID_IMMUTABLE: 'E_SESSION_USER_ID_IMMUTABLE',
  /** Redis failed or answered something a session script never returns; `cause` holds why. */
  E_SESSION_STORE: 'E_SESSION_STORE',
} as const

export type SessionErrorCode = (typeof errors)[keyof typeof errors]

export class SessionError extends HotpathError<SessionErrorCode> {
  override name = 'SessionError'
}
