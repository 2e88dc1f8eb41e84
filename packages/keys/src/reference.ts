import { key } from './key'
import { defineKeys } from './registry'

/**
 * The reference app's keys: seed 000's table and seed 001's `CacheKeys`, as specs so an
 * app can register them under its own prefix: `defineKeys(referenceKeys, { prefix })`.
 */
export const referenceKeys = {
  // seed 000
  adminDashboardStats: key('admin:dashboard:stats', {
    ttl: '3m',
    jitter: 2 / 3,
    tags: ['admin'],
    description: 'Expensive admin aggregation queries (60–300 s)',
  }),
  userTier: key('user:tier:{userId}', {
    ttl: '60s',
    tags: (p) => [`user:${p.userId}`],
    description: 'Resolved user tier after a subscription check',
  }),
  blogPostMeta: key('blog:post:{slug}:meta', {
    ttl: '10m',
    tags: (p) => ['blog', `blog:${p.slug}`],
    description: 'Blog post metadata for frequently visited posts',
  }),
  verifyEmailChange: key('verify:email-change:{userId}', {
    ttl: '15m',
    description: 'Short-lived email-change verification token',
  }),
  apiKeyRegenLimit: key('ratelimit:api-key-regen:{userId}', {
    ttl: '1d',
    description: 'Rate-limit counter for API key regeneration',
  }),
  // seed 001
  userProfile: key('user:{userId}:profile', {
    ttl: '5m',
    tags: (p) => [`user:${p.userId}`],
    description: 'User profile',
  }),
  userSubscription: key('user:{userId}:subscription', {
    ttl: '5m',
    tags: (p) => [`user:${p.userId}`],
    description: 'User subscription',
  }),
  userPreferences: key('user:{userId}:prefs', {
    ttl: '5m',
    tags: (p) => [`user:${p.userId}`],
    description: 'User preferences',
  }),
  productById: key('product:{id}', {
    ttl: '5m',
    tags: (p) => ['products', `product:${p.id}`],
    description: 'One product',
  }),
  products: key('products:all', {
    ttl: '5m',
    tags: ['products'],
    description: 'All products',
  }),
  featuredProducts: key('products:featured', {
    ttl: '5m',
    tags: ['products'],
    description: 'Featured products',
  }),
}

/** `referenceKeys` under the default prefix (`HOTPATH_KEY_PREFIX`, else none). */
export const referenceRegistry = defineKeys(referenceKeys)
