import { gzipSync } from 'node:zlib'
import { bundleForEdge } from './bundle'

/** One job an edge function does, written once with hotpath and once with the Upstash SDKs. */
export const JOBS = {
  'ratelimit + http driver': `
import { Ratelimit } from '@hotpath/ratelimit'
import { createHttpRedis } from '@hotpath/redis/http'
const limiter = new Ratelimit({
  redis: createHttpRedis({ url: 'https://example.upstash.io', token: 't' }),
  limiter: Ratelimit.slidingWindow(10, '10 s'),
})
export const limit = (id) => limiter.limit(id)`,
  'cache + http driver': `
import { createCache } from '@hotpath/cache'
import { createHttpRedis } from '@hotpath/redis/http'
const cache = createCache({ redis: createHttpRedis({ url: 'https://example.upstash.io', token: 't' }) })
export const read = (key, load) => cache.getOrSet(key, load, { ttl: '60 s' })`,
  '@upstash/ratelimit + @upstash/redis': `
import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis'
const limiter = new Ratelimit({
  redis: new Redis({ url: 'https://example.upstash.io', token: 't' }),
  limiter: Ratelimit.slidingWindow(10, '10 s'),
})
export const limit = (id) => limiter.limit(id)`,
  '@upstash/redis (get/set)': `
import { Redis } from '@upstash/redis'
const redis = new Redis({ url: 'https://example.upstash.io', token: 't' })
export const read = (key) => redis.get(key)
export const write = (key, value) => redis.set(key, value, { ex: 60 })`,
} as const

export type Job = keyof typeof JOBS

/** Minified and minified + gzipped bytes of a job bundled for the Vercel Edge runtime. */
export async function sizeOf(job: Job): Promise<{ minified: number; gzipped: number }> {
  const bundle = await bundleForEdge(JOBS[job], 'edge-light', { minify: true, stub: ['node:zlib'] })
  const bytes = Buffer.from(bundle.code, 'utf8')
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length }
}
