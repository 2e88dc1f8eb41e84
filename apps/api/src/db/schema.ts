import { boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

// The tables this app reads and writes, declared as apps/web declares them
// (apps/web/src/lib/db/schema.ts). The web app's drizzle migrations own the DDL: with
// DATABASE_URL both apps share one Postgres, so an edit in one is seen by the other.

export const user = pgTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  role: text('role').notNull().default('user'),
  tier: text('tier').notNull().default('free'),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at').notNull().defaultNow(),
})

export const session = pgTable('session', {
  id: text('id').primaryKey(),
  expiresAt: timestamp('expires_at').notNull(),
  token: text('token').notNull().unique(),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at').notNull().defaultNow(),
  ipAddress: text('ip_address'),
  userAgent: text('user_agent'),
  userId: text('user_id').notNull(),
})

export const product = pgTable('product', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  priceCents: integer('price_cents').notNull(),
  featured: boolean('featured').notNull().default(false),
  updatedAt: timestamp('updated_at').notNull().defaultNow(),
})

/** One key per user; only the SHA-256 of the key is stored. */
export const apiKey = pgTable('api_key', {
  userId: text('user_id').primaryKey(),
  keyPrefix: text('key_prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  createdAt: timestamp('created_at').notNull().defaultNow(),
})

export type Product = typeof product.$inferSelect
export type User = typeof user.$inferSelect
