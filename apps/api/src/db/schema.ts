import type { product, user } from '../../../web/src/lib/db/schema.ts'

// The web app owns these tables: its drizzle migrations (apps/web/drizzle) are what this app
// applies at start, so the declarations come from the same file rather than a copy that
// could drift from the DDL. With DATABASE_URL both apps share one Postgres.
export { apiKey, product, session, user } from '../../../web/src/lib/db/schema.ts'

export type Product = typeof product.$inferSelect
export type User = typeof user.$inferSelect
