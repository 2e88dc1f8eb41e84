import type { product, user } from '@apps/db/schema'

export type Product = typeof product.$inferSelect
export type User = typeof user.$inferSelect
