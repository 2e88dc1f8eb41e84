import { createHash, randomBytes } from 'node:crypto'
import { apiKey } from '@apps/db/schema'
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { checkLimit } from '../ratelimit'

export type RegenerateResult =
  | { ok: true; key: string; prefix: string; headers: Record<string, string> }
  | { ok: false; reason: 'rate-limited'; retryAfter: number; headers: Record<string, string> }

/**
 * Once per user in any 24 hours, through the `apiKeyRegen` rule (src/lib/ratelimit.ts). The
 * rate-limit headers come back for the HTTP route to send. Without Redis the limit is off.
 */
export async function regenerateApiKey(userId: string): Promise<RegenerateResult> {
  const verdict = await checkLimit('apiKeyRegen', `user:${userId}`)
  const headers = verdict.limited ? verdict.headers : {}
  if (verdict.limited && !verdict.success) {
    return { ok: false, reason: 'rate-limited', retryAfter: verdict.retryAfter, headers }
  }
  const secret = `hp_${randomBytes(24).toString('base64url')}`
  const prefix = secret.slice(0, 8)
  const keyHash = createHash('sha256').update(secret).digest('hex')
  const db = await getDb()
  await db
    .insert(apiKey)
    .values({ userId, keyPrefix: prefix, keyHash })
    .onConflictDoUpdate({
      target: apiKey.userId,
      set: { keyPrefix: prefix, keyHash, createdAt: new Date() },
    })
  return { ok: true, key: secret, prefix, headers }
}

export async function currentApiKey(userId: string) {
  const db = await getDb()
  const rows = await db.select().from(apiKey).where(eq(apiKey.userId, userId))
  return rows[0] ?? null
}

export { formatRetryAfter } from '../ratelimit'
