import { post, product, user } from '@apps/db/schema'
import type { WarmEntry, WarmOptions, WarmResult } from '@hotpath/cache'
import { getCache } from './cache'
import { getPostMetaUncached } from './data/blog'
import { computeDashboardStats } from './data/dashboard'
import { loadProduct, loadProducts } from './data/products'
import { loadUserTier } from './data/tier'
import { getDb } from './db/client'
import { keys } from './keys'

/**
 * Everything a cold deploy would otherwise load on its first requests: the
 * dashboard aggregation, the product list and each product, each post's metadata and each
 * user's tier. The same loaders the pages use, so a warmed entry is exactly what they read.
 */
export async function warmEntries(): Promise<WarmEntry[]> {
  const db = await getDb()
  const [products, posts, users] = await Promise.all([
    db.select({ id: product.id }).from(product),
    db.select({ slug: post.slug }).from(post),
    db.select({ id: user.id }).from(user),
  ])
  return [
    { key: keys.adminDashboardStats(), loader: computeDashboardStats },
    { key: keys.productsAll(), loader: loadProducts },
    ...products.map(({ id }) => ({ key: keys.product({ id }), loader: () => loadProduct(id) })),
    ...posts.map(({ slug }) => ({
      key: keys.blogPostMeta({ slug }),
      loader: () => getPostMetaUncached(slug),
    })),
    ...users.map(({ id }) => ({
      key: keys.userTier({ userId: id }),
      loader: () => loadUserTier(id),
    })),
  ]
}

export async function warmCache(
  options: WarmOptions = {},
): Promise<WarmResult & { total: number }> {
  const entries = await warmEntries()
  const result = await getCache().warm(entries, { concurrency: 4, ...options })
  return { ...result, total: entries.length }
}
