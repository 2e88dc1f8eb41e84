import { createIncrementalCacheHandler } from '@hotpath/cache/next'
import { createRedis } from '@hotpath/redis'

// ISR, route-handler and fetch-cache entries in Redis (cacheHandler in next.config.ts).
export default createIncrementalCacheHandler({ redis: createRedis() })
