import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { type DrizzleSnapshotJSON, generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { describe, expect, it } from 'vitest'
import { migrationsFolder } from '../src/migrations'
import * as schema from '../src/schema'
import { DEMO_PRODUCTS, seed } from '../src/seed'

function lastSnapshot(): DrizzleSnapshotJSON {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'))
  const last = journal.entries.at(-1).idx as number
  const file = join(migrationsFolder, 'meta', `${String(last).padStart(4, '0')}_snapshot.json`)
  return JSON.parse(readFileSync(file, 'utf8'))
}

describe('the apps database', () => {
  it('has migrations that match the schema (run `pnpm --filter @apps/db db:generate` after a change)', async () => {
    const pending = await generateMigration(lastSnapshot(), generateDrizzleJson(schema))
    expect(pending).toEqual([])
  })

  it('migrates and seeds an empty database once, and a second start changes nothing', async () => {
    const client = new PGlite()
    const db = drizzle({ client, schema })
    await migrate(db, { migrationsFolder })
    await seed(db)
    await migrate(db, { migrationsFolder })
    await seed(db)
    const products = await db.select({ id: schema.product.id }).from(schema.product)
    expect(products.map((p) => p.id).sort()).toEqual(DEMO_PRODUCTS.map((p) => p.id).sort())
    await client.close()
    // PGlite boots a WebAssembly Postgres and applies every migration twice: seconds on a
    // busy 2-core machine, past vitest's 5 s default.
  }, 60_000)
})
