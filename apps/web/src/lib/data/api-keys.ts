import { createHash, randomBytes } from 'node:crypto'
import { apiKey } from '@apps/db/schema'
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { keys } from '../keys'
import { getRedis } from '../redis'

export type RegenerateResult =
  | { ok: true; key: string; prefix: string }
  | { ok: false; reason: 'rate-limited'; retryAfter: number }

/**
 * Once per user per day: `SET ratelimit:api-key-regen:{userId} NX EX 86400` admits the
 * first call in one round trip; a refusal reads the key's TTL for Retry-After. Without
 * Redis the limit is not enforced (fail-open, documented in the README).
 */
export async function regenerateApiKey(userId: string): Promise<RegenerateResult> {
  const redis = getRedis()
  if (redis) {
    const ref = keys.apiKeyRegen({ userId })
    const window = ref.ttl ?? 86_400
    const admitted = await redis.set(ref.key, String(Date.now()), { nx: true, ex: window })
    if (admitted === null) {
      const ttl = await redis.ttl(ref.key)
      return { ok: false, reason: 'rate-limited', retryAfter: ttl > 0 ? ttl : window }
    }
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
  return { ok: true, key: secret, prefix }
}

export async function currentApiKey(userId: string) {
  const db = await getDb()
  const rows = await db.select().from(apiKey).where(eq(apiKey.userId, userId))
  return rows[0] ?? null
}

export function formatRetryAfter(seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.ceil((seconds % 3600) / 60)
  return h > 0 ? `${h} h ${m} min` : `${m} min`
}
