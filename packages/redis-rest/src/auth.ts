import { createHash, timingSafeEqual } from 'node:crypto'

export type Role = 'read-write' | 'read-only'

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * Compares in constant time: both sides are hashed first, so neither the content nor the
 * length of a wrong token shows in the timing.
 */
export function createAuthenticator(token: string, readOnlyToken: string | undefined) {
  const readWrite = digest(token)
  const readOnly = readOnlyToken === undefined ? undefined : digest(readOnlyToken)
  return (candidate: string | undefined): Role | undefined => {
    if (!candidate) return undefined
    const given = digest(candidate)
    // Both comparisons always run, so which token matched does not show either.
    const isReadWrite = timingSafeEqual(given, readWrite)
    const isReadOnly = readOnly !== undefined && timingSafeEqual(given, readOnly)
    if (isReadWrite) return 'read-write'
    return isReadOnly ? 'read-only' : undefined
  }
}

/** `Authorization: Bearer <token>`, else the `_token` query parameter. */
export function tokenOf(
  authorization: string | undefined,
  queryToken: string | undefined,
): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim())
    return match?.[1]?.trim()
  }
  return queryToken
}
