import { defineKeys, key } from '@hotpath/keys'

/**
 * Every Redis key the app writes, in one place, with its TTL and tags. Nothing in the app
 * builds a key string by hand.
 */
export const registry = defineKeys({
  adminDashboardStats: key('admin:dashboard:stats', {
    ttl: '120s',
    jitter: 0.1,
    tags: ['admin', 'dashboard'],
    description: 'Admin dashboard aggregation over page views (expensive in SQL).',
  }),
  userTier: key('user:tier:{userId}', {
    ttl: '60s',
    tags: (p) => [`user:${p.userId}`],
    description: "A user's plan tier, invalidated when the tier changes.",
  }),
  blogPostMeta: key('blog:post:{slug}:meta', {
    ttl: '600s',
    tags: (p) => ['blog', `blog:${p.slug}`],
    description: 'Blog post metadata (title, author, tags) for the post page and its <head>.',
  }),
  verifyEmailChange: key('verify:email-change:{userId}', {
    ttl: '900s',
    description: 'Single-use email-change token, consumed atomically with GETDEL.',
  }),
  newDashboardUsers: key('feature:new-dashboard:users', {
    description: 'Feature flag: user ids rewritten to /beta/dashboard by the proxy.',
  }),
  userProfile: key('user:{userId}:profile', {
    ttl: '1h',
    tags: (p) => [`user:${p.userId}`],
    description: 'User profile.',
  }),
  userSubscription: key('user:{userId}:subscription', {
    ttl: '5m',
    tags: (p) => [`user:${p.userId}`],
    description: 'User subscription.',
  }),
  userPrefs: key('user:{userId}:prefs', {
    ttl: '1h',
    tags: (p) => [`user:${p.userId}`],
    description: 'User preferences.',
  }),
  product: key('product:{id}', {
    ttl: '10m',
    tags: (p) => ['products', `product:${p.id}`],
    description: 'One product.',
  }),
  productsAll: key('products:all', {
    ttl: '5m',
    tags: ['products'],
    description: 'The product list.',
  }),
  productsFeatured: key('products:featured', {
    ttl: '5m',
    tags: ['products'],
    description: 'Featured products.',
  }),
})

export const keys = registry.keys
