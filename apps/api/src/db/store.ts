import { createHash } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { migrationsFolder as sharedMigrations } from '@apps/db/migrations'
import { apiKey, product, session, user } from '@apps/db/schema'
import { DEMO_PRODUCTS } from '@apps/db/seed'
import { and, asc, eq, gt } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type { Product, User } from './schema.ts'

export type NewProduct = {
  id?: string
  name: string
  description?: string
  priceCents: number
  featured?: boolean
}
export type ProductPatch = Partial<Omit<NewProduct, 'id'>>

export type ApiKeyOwner = { userId: string; name: string; email: string; tier: string }
export type DbSession = {
  session: { id: string; token: string; userId: string; expiresAt: Date; createdAt: Date }
  user: User
}

/** The source of truth the cache sits in front of. */
export type Store = {
  readonly kind: 'pglite' | 'postgres'
  /** Where the data lives, without credentials. */
  readonly location: string
  readonly db: Db
  listProducts(options: { limit: number; offset: number }): Promise<Product[]>
  getProduct(id: string): Promise<Product | null>
  createProduct(input: NewProduct): Promise<Product>
  /** null when no product has this id. */
  updateProduct(id: string, patch: ProductPatch): Promise<Product | null>
  /** By SHA-256 hex of the key (`hashApiKey`). */
  findApiKeyOwner(keyHash: string): Promise<ApiKeyOwner | null>
  /** Replaces the user's key (one per user, as in the web app); returns the old key's hash. */
  setApiKey(userId: string, rawKey: string): Promise<{ previousHash: string | null }>
  /** The session row Better Auth keeps with `storeSessionInDatabase`, unexpired. */
  findSession(token: string): Promise<DbSession | null>
  ping(): Promise<void>
  close(): Promise<void>
}

export type Db = PgDatabase<PgQueryResultHKT>

export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey).digest('hex')
}

export function drizzleStore(
  db: Db,
  info: { kind: Store['kind']; location: string },
  close: () => Promise<void>,
): Store {
  return {
    ...info,
    db,
    listProducts: ({ limit, offset }) =>
      db.select().from(product).orderBy(asc(product.id)).limit(limit).offset(offset),
    async getProduct(id) {
      const [row] = await db.select().from(product).where(eq(product.id, id)).limit(1)
      return row ?? null
    },
    async createProduct(input) {
      const [row] = await db
        .insert(product)
        .values({
          id: input.id ?? `p-${crypto.randomUUID().slice(0, 8)}`,
          name: input.name,
          description: input.description ?? '',
          priceCents: input.priceCents,
          featured: input.featured ?? false,
        })
        .returning()
      if (!row) throw new Error('INSERT … RETURNING returned no row')
      return row
    },
    async updateProduct(id, patch) {
      const [row] = await db
        .update(product)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(product.id, id))
        .returning()
      return row ?? null
    },
    async findApiKeyOwner(keyHash) {
      const [row] = await db
        .select({ userId: user.id, name: user.name, email: user.email, tier: user.tier })
        .from(apiKey)
        .innerJoin(user, eq(user.id, apiKey.userId))
        .where(eq(apiKey.keyHash, keyHash))
        .limit(1)
      return row ?? null
    },
    async setApiKey(userId, rawKey) {
      const values = { userId, keyPrefix: rawKey.slice(0, 8), keyHash: hashApiKey(rawKey) }
      const [previous] = await db
        .select({ keyHash: apiKey.keyHash })
        .from(apiKey)
        .where(eq(apiKey.userId, userId))
        .limit(1)
      await db
        .insert(apiKey)
        .values(values)
        .onConflictDoUpdate({
          target: apiKey.userId,
          set: { ...values, createdAt: new Date() },
        })
      return { previousHash: previous?.keyHash ?? null }
    },
    async findSession(token) {
      const [row] = await db
        .select({ session, user })
        .from(session)
        .innerJoin(user, eq(user.id, session.userId))
        .where(and(eq(session.token, token), gt(session.expiresAt, new Date())))
        .limit(1)
      return row ?? null
    },
    async ping() {
      await db.select({ id: product.id }).from(product).limit(1)
    },
    close,
  }
}

export type OpenStoreOptions = {
  /** postgres:// URL; when absent an embedded PGlite is used. */
  databaseUrl?: string
  /**
   * PGlite data directory; `'memory://'` keeps it in memory.
   * @default '<cwd>/.data/pglite'
   */
  dataDir?: string
  /**
   * The drizzle migrations that own the schema, shared with the web app.
   * @default 'apps/db/drizzle'
   */
  migrationsFolder?: string
  /**
   * Insert demo products into an empty embedded database. Never done on Postgres, where
   * the web app seeds (and a premature row would make it skip its own seed).
   * @default true
   */
  seed?: boolean
}

/** Opens the store and applies the migrations, so a fresh database is usable at once. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const migrationsFolder = options.migrationsFolder ?? sharedMigrations
  if (!existsSync(migrationsFolder)) {
    throw new Error(`No drizzle migrations at ${migrationsFolder}: set HOTPATH_MIGRATIONS_DIR`)
  }
  if (options.databaseUrl) {
    const { default: postgres } = await import('postgres')
    const { drizzle } = await import('drizzle-orm/postgres-js')
    const { migrate } = await import('drizzle-orm/postgres-js/migrator')
    const sql = postgres(options.databaseUrl, { max: 10, onnotice: () => {} })
    const db = drizzle({ client: sql })
    await migrate(db, { migrationsFolder })
    const parsed = new URL(options.databaseUrl)
    return drizzleStore(
      db,
      { kind: 'postgres', location: `${parsed.host}${parsed.pathname}` },
      () => sql.end({ timeout: 5 }),
    )
  }
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  const { migrate } = await import('drizzle-orm/pglite/migrator')
  const dataDir = options.dataDir ?? '.data/pglite'
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true })
  const client = await PGlite.create(dataDir)
  const db = drizzle({ client })
  await migrate(db, { migrationsFolder })
  const store = drizzleStore(db, { kind: 'pglite', location: dataDir }, () => client.close())
  if (options.seed ?? true) await seedProducts(store)
  return store
}

async function seedProducts(store: Store): Promise<void> {
  const existing = await store.listProducts({ limit: 1, offset: 0 })
  if (existing.length > 0) return
  for (const p of DEMO_PRODUCTS) await store.createProduct(p)
}
