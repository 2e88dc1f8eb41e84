import { createUseCacheHandler } from '@hotpath/cache/next'
import { createRedis } from '@hotpath/redis'

// `'use cache'` entries in Redis (cacheHandlers.default / .remote in next.config.ts), so every
// instance shares them and updateTag/revalidateTag reach them. Without Redis, the handler
// keeps nothing and every read is a miss.
export default createUseCacheHandler({ redis: createRedis() })
