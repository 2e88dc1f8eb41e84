import { z } from '@hono/zod-openapi'
import { defineKeys, key } from '@hotpath/keys'
import { ProductSchema } from './schemas.ts'

const ApiKeyOwnerSchema = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), tier: z.string() })
  .nullable()

/**
 * Every key the API writes. Tag names (`products`, `product:{id}`) are the ones the web app
 * invalidates too, so an edit made there refreshes this app's cache entries as well.
 */
export const registry = defineKeys({
  product: key('api:product:{id}', {
    ttl: '5m',
    tags: (p) => [`product:${p.id}`],
    // null is a cached "no such product" (negativeTtl)
    schema: ProductSchema.nullable(),
    description: 'One product row (cache-aside)',
  }),
  productList: key('api:products:{limit}:{offset}', {
    ttl: '60s',
    tags: ['products'],
    schema: z.array(ProductSchema),
    description: 'One page of the product list (cache-aside)',
  }),
  apiKeyOwner: key('api:api-key:{hash}', {
    ttl: '60s',
    schema: ApiKeyOwnerSchema,
    description: 'Owner and tier of an API key, by SHA-256 of the key',
  }),
  leaderboard: key('api:leaderboard:{board}', {
    description: 'Sorted set of scores per player',
  }),
  jobPending: key('api:jobs:{queue}:pending', {
    slot: 'queue',
    description: 'Job ids waiting for a worker (LPUSH in, LMOVE out)',
  }),
  jobProcessing: key('api:jobs:{queue}:processing', {
    slot: 'queue',
    description: 'Job ids a worker took and has not finished (reliable pop)',
  }),
  jobDelayed: key('api:jobs:{queue}:delayed', {
    slot: 'queue',
    description: 'Job ids waiting for their retry, scored by due time (ms)',
  }),
  jobDead: key('api:jobs:{queue}:dead', {
    slot: 'queue',
    description: 'Job ids that failed every attempt (dead letters)',
  }),
  job: key('api:job:{id}', {
    ttl: '1d',
    description: 'One job: hash of type, payload, state, attempts, last error, result',
  }),
  channel: key('api:events:{channel}', {
    description: 'Pub/sub channel relayed by GET /events/stream',
  }),
})

export type ApiKeys = typeof registry
