/**
 * Tokens and digests without node:crypto, so the store runs on edge runtimes as well as Node.
 *
 * A token is `<secret>.<user tag>`: the secret is 256 random bits, the user tag a short digest
 * of the user id that names the cluster slot of the user's keys. A read derives every key it
 * needs from the token alone, which is what lets it check the session and the user's
 * revocation epoch in one script, one round trip. Redis only ever sees SHA-256(token).
 */

import { sha256Bytes } from './sha256'

const SECRET_BYTES = 32
const SECRET_LENGTH = 43 // base64url of 32 bytes, unpadded
const TAG_LENGTH = 16
const URL_SAFE = /^[A-Za-z0-9_-]+$/

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function sha256(text: string): string {
  return base64url(sha256Bytes(text))
}

/** The slot-naming tag of a user: stable, fixed length, and it does not reveal the user id. */
export function userTag(userId: string): string {
  return sha256(`hotpath-session-user:${userId}`).slice(0, TAG_LENGTH)
}

export function createToken(userId: string): string {
  const secret = crypto.getRandomValues(new Uint8Array(SECRET_BYTES))
  return `${base64url(secret)}.${userTag(userId)}`
}

export type ParsedToken = { tag: string; hash: string }

/** `null` for anything that is not a token this store could have issued. */
export function parseToken(token: unknown): ParsedToken | null {
  if (typeof token !== 'string' || token.length !== SECRET_LENGTH + 1 + TAG_LENGTH) return null
  const secret = token.slice(0, SECRET_LENGTH)
  const tag = token.slice(SECRET_LENGTH + 1)
  if (token[SECRET_LENGTH] !== '.' || !URL_SAFE.test(secret) || !URL_SAFE.test(tag)) return null
  return { tag, hash: sha256(token) }
}
