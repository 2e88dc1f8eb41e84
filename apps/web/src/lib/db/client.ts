import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as schema from '@apps/db/schema'
import { seed } from '@apps/db/seed'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { type DatabaseInfo, describeDatabase } from '../config'

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>

type DbHandle = { db: Db; info: DatabaseInfo; close(): Promise<void>; ping(): Promise<void> }

// The shared migrations live in apps/db (the @apps/db package). They are found from the working
// directory (apps/web under every script) rather than from @apps/db/migrations, whose
// import.meta.url Next's bundler would rewrite.
function migrationsFolder(): string {
  return resolve(
    process.env.HOTPATH_MIGRATIONS_DIR ??
      join(/* turbopackIgnore: true */ process.cwd(), '..', 'db', 'drizzle'),
  )
}

async function open(): Promise<DbHandle> {
  const info = describeDatabase()
  if (info.kind !== 'pglite') {
    const { default: postgres } = await import('postgres')
    const { drizzle } = await import('drizzle-orm/postgres-js')
    const { migrate } = await import('drizzle-orm/postgres-js/migrator')
    const sql = postgres(process.env.DATABASE_URL as string, { max: 10, onnotice: () => {} })
    const db = drizzle({ client: sql, schema })
    await migrate(db, { migrationsFolder: migrationsFolder() })
    await seed(db)
    return {
      db,
      info,
      close: () => sql.end({ timeout: 5 }),
      ping: async () => {
        await sql`select 1`
      },
    }
  }
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  const { migrate } = await import('drizzle-orm/pglite/migrator')
  mkdirSync(info.location, { recursive: true })
  const client = await PGlite.create(info.location)
  const db = drizzle({ client, schema })
  await migrate(db, { migrationsFolder: migrationsFolder() })
  await seed(db)
  return {
    db,
    info,
    close: () => client.close(),
    ping: async () => {
      await client.query('select 1')
    },
  }
}

// One handle per process: PGlite must never be opened twice on the same directory, and
// Next bundles route handlers, pages and the proxy separately, so module state is not
// shared between them — globalThis is.
const GLOBAL = Symbol.for('hotpath.web.db')
type Holder = { [GLOBAL]?: Promise<DbHandle> }

export function getDbHandle(): Promise<DbHandle> {
  if (process.env.NEXT_PHASE === 'phase-production-build') {
    // A page that reaches the database while `next build` prerenders it would open (and
    // seed) the data directory from a build worker: make that a loud bug, not a side effect.
    return Promise.reject(new Error('The database is not available during next build'))
  }
  const holder = globalThis as Holder
  holder[GLOBAL] ??= open().catch((error: unknown) => {
    delete holder[GLOBAL]
    throw error
  })
  return holder[GLOBAL]
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db
}

export async function closeDb(): Promise<void> {
  const holder = globalThis as Holder
  const pending = holder[GLOBAL]
  delete holder[GLOBAL]
  if (pending) await (await pending).close()
}
