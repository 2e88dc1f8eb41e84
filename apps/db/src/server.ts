import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { migrationsFolder } from './migrations'
import * as schema from './schema'
import { seed } from './seed'

export type DatabaseServerOptions = {
  /** PGlite's data directory; `memory://` for a throwaway database. */
  dataDir: string
  /** @default '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default 0 */
  port?: number
  /**
   * Client connections served at once (queries still run one at a time: PGlite is one
   * backend). Both apps' postgres.js pools must fit. @default 32
   */
  maxConnections?: number
}

export type DatabaseServer = {
  /** `postgres://` URL for the apps' `DATABASE_URL`. */
  url: string
  /** Stops accepting connections, then closes PGlite (flushing it to disk). */
  close(): Promise<void>
}

/**
 * The stack's one Postgres on embedded defaults: PGlite served over the Postgres wire protocol,
 * so apps/web and apps/api reach it with the same postgres.js driver they use against a real
 * server, and see the same rows. Migrated and seeded before it listens, so neither app races
 * the other to create the schema.
 */
export async function startDatabaseServer(options: DatabaseServerOptions): Promise<DatabaseServer> {
  const { dataDir, host = '127.0.0.1', port = 0, maxConnections = 32 } = options
  const onDisk = !dataDir.startsWith('memory://')
  if (onDisk) mkdirSync(dataDir, { recursive: true })
  let db = await PGlite.create(dataDir)
  try {
    const orm = drizzle({ client: db, schema })
    await migrate(orm, { migrationsFolder })
    if ((await seed(orm)) && onDisk) {
      // Seeding grows PGlite's WebAssembly heap by ~500 MiB, which it never gives back: reopen,
      // so the server holds what serving needs (~250 MiB), not what the seed needed.
      await db.close()
      db = await PGlite.create(dataDir)
    }
    const server = new PGLiteSocketServer({ db, host, port, maxConnections })
    await server.start()
    // getServerConn() is "host:port" with the port the OS picked when asked for 0.
    const url = `postgres://postgres@${server.getServerConn()}/postgres`
    return {
      url,
      async close() {
        await server.stop()
        await db.close()
      },
    }
  } catch (error) {
    await db.close().catch(() => {})
    throw error
  }
}
