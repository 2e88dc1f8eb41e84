import { PGlite } from '@electric-sql/pglite'
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { text } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import { betterAuthSchema } from '../src/drizzle'
import { errors, SessionError } from '../src/errors'

async function migrate(schema: Record<string, unknown>) {
  const pg = new PGlite()
  const statements = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema))
  for (const statement of statements) await pg.exec(statement)
  return pg
}

describe('@hotpath/session/drizzle', () => {
  it('creates the Better Auth tables with snake_case columns and the lookup indexes', async () => {
    const pg = await migrate(betterAuthSchema())
    const tables = await pg.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'account',
      'rate_limit',
      'session',
      'user',
      'verification',
    ])
    const indexes = await pg.query<{ indexname: string }>(
      `select indexname from pg_indexes where schemaname = 'public' and indexname like '%_idx' order by 1`,
    )
    expect(indexes.rows.map((r) => r.indexname)).toEqual([
      'account_user_id_idx',
      'session_user_id_idx',
      'verification_identifier_idx',
    ])
    const sessionColumns = await pg.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'session' order by 1`,
    )
    expect(sessionColumns.rows.map((r) => r.column_name)).toContain('user_id')
    await pg.close()
  })

  it('deletes the sessions of a deleted user (on delete cascade)', async () => {
    const pg = await migrate(betterAuthSchema())
    await pg.exec(`insert into "user" (id, name, email) values ('u1', 'Ada', 'ada@example.com')`)
    await pg.exec(
      `insert into session (id, expires_at, token, user_id) values ('s1', now(), 't1', 'u1')`,
    )
    await pg.exec(`delete from "user" where id = 'u1'`)
    const left = await pg.query<{ n: number }>('select count(*)::int as n from session')
    expect(left.rows[0]?.n).toBe(0)
    await pg.close()
  })

  it('adds the columns an app declares for user.additionalFields', async () => {
    const schema = betterAuthSchema({
      userColumns: { role: text('role').notNull().default('user') },
    })
    expect(Object.keys(schema.user)).toContain('role')
    const pg = await migrate(schema)
    await pg.exec(`insert into "user" (id, name, email) values ('u1', 'Ada', 'ada@example.com')`)
    const row = await pg.query<{ role: string }>(`select role from "user" where id = 'u1'`)
    expect(row.rows[0]?.role).toBe('user')
    await pg.close()
  })

  it('refuses an extra column that would replace one Better Auth owns', () => {
    const attempt = () => betterAuthSchema({ userColumns: { email: text('mail') } })
    expect(attempt).toThrow(SessionError)
    expect(attempt).toThrow(expect.objectContaining({ code: errors.E_OPTION_INVALID }))
  })
})
