import { user } from '@apps/db/schema'
import { eq } from 'drizzle-orm'
import { getCache, getOrSetTracked } from '../cache'
import { getDb } from '../db/client'
import { keys } from '../keys'

export const TIERS = ['free', 'pro', 'team'] as const
export type Tier = (typeof TIERS)[number]

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value)
}

/** The tier under `user:tier:{userId}` (60 s), read on every page that gates features. */
export function getUserTier(userId: string) {
  return getOrSetTracked(keys.userTier({ userId }), () => loadUserTier(userId))
}

export async function loadUserTier(userId: string): Promise<Tier> {
  const db = await getDb()
  const rows = await db.select({ tier: user.tier }).from(user).where(eq(user.id, userId))
  const tier = rows[0]?.tier
  return isTier(tier) ? tier : 'free'
}

/** Database first, then the cached copy goes, so the next read loads the new tier. */
export async function setUserTier(userId: string, tier: Tier): Promise<void> {
  const db = await getDb()
  await db.update(user).set({ tier, updatedAt: new Date() }).where(eq(user.id, userId))
  await getCache().delete(keys.userTier({ userId }))
}
