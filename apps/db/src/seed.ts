import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type * as schema from './schema'
import { post, product } from './schema'

type AnyDb = PgDatabase<PgQueryResultHKT, typeof schema>

/** The demo catalogue; apps/api seeds its own embedded database with the same products. */
export const DEMO_PRODUCTS = [
  {
    id: 'p-kettle',
    name: 'Pour-over kettle',
    description: 'Gooseneck, 1 l.',
    priceCents: 4900,
    featured: true,
  },
  {
    id: 'p-grinder',
    name: 'Burr grinder',
    description: 'Conical burrs, 40 settings.',
    priceCents: 12900,
    featured: true,
  },
  {
    id: 'p-scale',
    name: 'Brew scale',
    description: '0.1 g resolution with timer.',
    priceCents: 3500,
    featured: false,
  },
  {
    id: 'p-filter',
    name: 'Paper filters',
    description: '100 pieces.',
    priceCents: 700,
    featured: false,
  },
  {
    id: 'p-dripper',
    name: 'Ceramic dripper',
    description: 'Size 02.',
    priceCents: 2800,
    featured: true,
  },
]

const POSTS = [
  {
    slug: 'cache-aside-in-practice',
    title: 'Cache-aside in practice',
    excerpt: 'Read through the cache, fall back to the source, write back with a TTL.',
    body: 'Cache-aside keeps the database the source of truth. A miss calls the loader once, even under a stampede, and the value is written back with the TTL from the key registry.',
    author: 'Ada',
    tags: ['cache', 'patterns'],
  },
  {
    slug: 'sessions-that-survive-redis',
    title: 'Sessions that survive a Redis restart',
    excerpt: 'Secondary storage for speed, the database for durability.',
    body: 'Better Auth reads sessions from Redis first. With storeSessionInDatabase on, Postgres keeps a copy, so flushing Redis signs nobody out.',
    author: 'Grace',
    tags: ['auth', 'redis'],
  },
  {
    slug: 'one-round-trip-rate-limits',
    title: 'One round trip per rate-limit check',
    excerpt: 'EVALSHA first, EVAL on NOSCRIPT, never counted twice.',
    body: 'A rate limiter that needs several round trips is slow on HTTP Redis. One script, keys in one hash slot, and a local cache of blocked identifiers keep it cheap.',
    author: 'Linus',
    tags: ['ratelimit'],
  },
]

/** Demo content, written once into an empty database. True when it wrote (the first start). */
export async function seed(db: AnyDb): Promise<boolean> {
  const existing = await db.select({ n: sql<number>`count(*)::int` }).from(product)
  if ((existing[0]?.n ?? 0) > 0) return false
  await db.insert(product).values(DEMO_PRODUCTS).onConflictDoNothing()
  await db.insert(post).values(POSTS).onConflictDoNothing()
  // Enough rows that the dashboard aggregation costs real time uncached.
  const views = Number(process.env.HOTPATH_SEED_PAGE_VIEWS ?? 120_000)
  // Varied like real traffic: some pages far more read than others, long-tailed durations, and
  // more views towards today (random()^1.6 leans the dates recent), so the charts show a trend.
  await db.execute(sql`
    insert into page_view (path, user_id, duration_ms, created_at)
    select
      (array['/products', '/', '/blog', '/products', '/dashboard', '/blog', '/account', '/admin'])[1 + floor(power(random(), 1.4) * 8)::int],
      'user-' || floor(power(random(), 2) * 250)::int,
      40 + floor(random() * random() * 1800)::int,
      now() - power(random(), 1.6) * interval '30 days'
    from generate_series(1, ${views})
  `)
  return true
}
