/**
 * The 30-second tour: `pnpm start` at the repository root runs this.
 * With UPSTASH_REDIS_REST_URL/TOKEN or REDIS_URL set it uses that Redis; otherwise it says
 * so and falls back to the in-process memory driver, which createRedis() never picks itself.
 */
import {
  checkHealth,
  createCacheHelpers,
  createRedis,
  type ManagedRedisClient,
} from '@hotpath/redis'
import { createMemoryRedis } from '@hotpath/redis/memory'

const configured = createRedis()
const redis: ManagedRedisClient = configured ?? createMemoryRedis()
console.log(
  configured
    ? `Using ${redis.driver} from the environment.`
    : 'No UPSTASH_REDIS_REST_URL/TOKEN or REDIS_URL set: using the embedded in-memory driver (data lives in this process only).',
)

await redis.set('hotpath:demo:greeting', 'hello from hotpath', { ex: 60 })
console.log('get     ->', await redis.get('hotpath:demo:greeting'))

const { getCache, setCache } = createCacheHelpers(redis)
await setCache(
  'hotpath:demo:user',
  { id: 42, since: new Date('2024-01-01'), roles: new Set(['admin']) },
  60,
)
const user = await getCache<{ id: number; since: Date; roles: Set<string> }>('hotpath:demo:user')
console.log(
  'getCache ->',
  user,
  `(since is a ${user?.since.constructor.name}, roles is a ${user?.roles.constructor.name})`,
)
console.log('miss    ->', await getCache('hotpath:demo:nothing-here'))

console.log('health  ->', await checkHealth(redis))
console.log('stats   ->', redis.stats())
await redis.close()
