import { getCache } from '../cache'
import { keys } from '../keys'
import { getRedis } from '../redis'

// The new-dashboard flag is a Redis set of user ids behind @hotpath/cache's flags(): one
// SISMEMBER per check, cheap enough for the proxy, and reachable over HTTP (Upstash) from any
// runtime. A read never throws: no Redis, or Redis trouble, means "flag off".

const newDashboard = () => getCache().flags(keys.newDashboardUsers)

export function isNewDashboardEnabled(userId: string): Promise<boolean> {
  return newDashboard().isEnabled(userId)
}

export async function setNewDashboard(userId: string, enabled: boolean): Promise<boolean> {
  if (!getRedis()) return false
  if (enabled) await newDashboard().enable(userId)
  else await newDashboard().disable(userId)
  return true
}
