import { slidingWindowScript } from '@hotpath/ratelimit'
import { DELETE, INCREMENT } from '@hotpath/session/better-auth'
import { getRedis } from './redis'

/**
 * Loads the Lua scripts the app runs on every auth request (Better Auth's rate-limit counter and
 * session delete, the proxy's sliding window) into Redis' script cache at start, so their first EVALSHA hits.
 * Workaround: through the Upstash driver a NOSCRIPT reply currently surfaces as a transport
 * error, so the EVAL fallback never runs (reported to @hotpath/redis). Safe to drop once fixed.
 */
export async function preloadScripts(): Promise<void> {
  const redis = getRedis()
  if (!redis) return
  await Promise.all([INCREMENT, DELETE, slidingWindowScript].map((s) => redis.scriptLoad(s.source)))
}
