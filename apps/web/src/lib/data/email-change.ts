import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { user } from '@apps/db/schema'
import { deserialize, serialize } from '@hotpath/redis'
import { eq } from 'drizzle-orm'
import { getAuth } from '../auth'
import { getCache } from '../cache'
import { getDb } from '../db/client'
import { keys } from '../keys'
import { getRedis } from '../redis'

type Pending = { email: string; tokenHash: string }

export type EmailChangeRequest =
  | { ok: true; token: string; expiresIn: number }
  | { ok: false; reason: 'no-redis' | 'invalid-email' | 'same-email' }

export type EmailChangeResult =
  | { ok: true; email: string }
  | { ok: false; reason: 'no-redis' | 'expired-or-used' | 'mismatch' | 'taken' }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Stores a single-use token under `verify:email-change:{userId}` (900 s). Only its hash is
 * kept, so a Redis dump cannot confirm anyone's change. A new request replaces the old one.
 */
export async function requestEmailChange(
  userId: string,
  currentEmail: string,
  newEmail: string,
): Promise<EmailChangeRequest> {
  const redis = getRedis()
  if (!redis) return { ok: false, reason: 'no-redis' }
  const email = newEmail.trim().toLowerCase()
  if (!EMAIL.test(email)) return { ok: false, reason: 'invalid-email' }
  if (email === currentEmail.toLowerCase()) return { ok: false, reason: 'same-email' }
  const ref = keys.verifyEmailChange({ userId })
  const token = randomBytes(32).toString('base64url')
  const ttl = ref.ttl ?? 900
  const pending: Pending = { email, tokenHash: hash(token) }
  await redis.set(ref.key, serialize(pending), { ex: ttl })
  return { ok: true, token, expiresIn: ttl }
}

/**
 * Consumes the token with GETDEL: two concurrent confirmations cannot both succeed, and a
 * second click on the same link finds nothing.
 */
export async function confirmEmailChange(
  userId: string,
  token: string,
): Promise<EmailChangeResult> {
  const redis = getRedis()
  if (!redis) return { ok: false, reason: 'no-redis' }
  const raw = await redis.getdel(keys.verifyEmailChange({ userId }).key)
  if (raw === null) return { ok: false, reason: 'expired-or-used' }
  const parsed = deserialize<Pending>(raw)
  if (!parsed.ok) return { ok: false, reason: 'expired-or-used' }
  const expected = Buffer.from(parsed.value.tokenHash, 'hex')
  const actual = Buffer.from(hash(token), 'hex')
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: 'mismatch' }
  }
  const db = await getDb()
  const taken = await db
    .select({ id: user.id })
    .from(user)
    .where(eq(user.email, parsed.value.email))
  if (taken.length > 0) return { ok: false, reason: 'taken' }
  // Through Better Auth, not a bare UPDATE: it rewrites the user inside every session it keeps
  // in Redis, so the account page shows the new address at once, not after the next sign-in.
  const { internalAdapter } = await (await getAuth()).$context
  await internalAdapter.updateUser(userId, {
    email: parsed.value.email,
    emailVerified: true,
    updatedAt: new Date(),
  })
  await getCache().invalidateTags(keys.userTier({ userId }).tags)
  return { ok: true, email: parsed.value.email }
}
