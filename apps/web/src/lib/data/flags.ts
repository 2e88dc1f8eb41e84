import { keys } from '../keys'
import { getRedis } from '../redis'

// The new-dashboard flag is a Redis set of user ids: one SISMEMBER per check, cheap enough
// for the proxy, and reachable over HTTP (Upstash) from any runtime.

export async function isNewDashboardEnabled(userId: string): Promise<boolean> {
  const redis = getRedis()
  if (!redis) return false
  try {
    return (await redis.sismember(keys.newDashboardUsers().key, userId)) === 1
  } catch {
    // A flag read must never take a page down: Redis trouble means "flag off".
    return false
  }
}

export async function setNewDashboard(userId: string, enabled: boolean): Promise<boolean> {
  const redis = getRedis()
  if (!redis) return false
  const ref = keys.newDashboardUsers()
  if (enabled) await redis.sadd(ref.key, userId)
  else await redis.srem(ref.key, userId)
  return true
}
