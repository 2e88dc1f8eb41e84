export type { Duration } from '@hotpath/core'
export type { SessionCookie, SessionCookieOptions } from './cookie'
export {
  parseSessionCookie,
  serializeClearedSessionCookie,
  serializeSessionCookie,
  sessionCookie,
} from './cookie'
export type { SessionErrorCode } from './errors'
export { errors, SessionError } from './errors'
export type { Session, SessionData, SessionStore, SessionStoreOptions } from './store'
export { createSessionStore } from './store'
