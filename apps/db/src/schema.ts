import { betterAuthSchema } from '@hotpath/session/drizzle'
import { sql } from 'drizzle-orm'
import { boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

// Better Auth's tables come from @hotpath/session/drizzle, with the two fields the apps add
// to users (Better Auth `user.additionalFields`): both apps read them, one migration owns them.
export const { user, session, account, verification } = betterAuthSchema({
  userColumns: {
    role: text('role').notNull().default('user'),
    tier: text('tier').notNull().default('free'),
  },
})

// The app's own data.

export const product = pgTable('product', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  priceCents: integer('price_cents').notNull(),
  featured: boolean('featured').notNull().default(false),
  updatedAt: timestamp('updated_at').notNull().defaultNow(),
})

export const post = pgTable('post', {
  slug: text('slug').primaryKey(),
  title: text('title').notNull(),
  excerpt: text('excerpt').notNull().default(''),
  body: text('body').notNull(),
  author: text('author').notNull(),
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
  publishedAt: timestamp('published_at').notNull().defaultNow(),
})

/** One row per page view: the "expensive aggregation" of the admin dashboard reads these. */
export const pageView = pgTable(
  'page_view',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    path: text('path').notNull(),
    userId: text('user_id'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [index('page_view_created_at_idx').on(t.createdAt)],
)

export const apiKey = pgTable('api_key', {
  userId: text('user_id')
    .primaryKey()
    .references(() => user.id, { onDelete: 'cascade' }),
  keyPrefix: text('key_prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  createdAt: timestamp('created_at').notNull().defaultNow(),
})
