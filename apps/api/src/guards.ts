import { ApiError, errors } from './errors.ts'
import type { Identity } from './identity.ts'

export type Authenticated = Exclude<Identity, { kind: 'anonymous' }>

/** The caller, signed in or with an API key; anonymous callers get a 401. */
export function requireAuthenticated(identity: Identity): Authenticated {
  if (identity.kind === 'anonymous') {
    throw new ApiError(
      401,
      errors.E_UNAUTHORIZED,
      'Sign in on the web app (session cookie or Authorization: Bearer) or send x-api-key',
    )
  }
  return identity
}
