import {
  bigint,
  boolean,
  index,
  integer,
  type PgColumnBuilderBase,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core'
import { errors, SessionError } from './errors'

// Better Auth 1.7's core tables for Postgres, written by hand because its CLI does not run on
// Node 20. Properties follow Better Auth's field names (camelCase), columns are snake_case, so
// `drizzleAdapter(db, { provider: 'pg', schema })` finds every field without a mapping.

/** The columns of `user` that Better Auth itself reads and writes. */
function userColumns() {
  return {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email').notNull().unique(),
    emailVerified: boolean('email_verified').notNull().default(false),
    image: text('image'),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
  }
}

export type BetterAuthSchemaOptions<UserExtra extends Record<string, PgColumnBuilderBase>> = {
  /**
   * Columns added to `user`, for Better Auth `user.additionalFields` (a role, a tier…).
   * They must not reuse a core column's name.
   * @default {}
   */
  userColumns?: UserExtra
}

/**
 * Builds the Better Auth tables (`user`, `session`, `account`, `verification`, and the
 * `rateLimit` table that Better Auth's `rateLimit.storage: 'database'` uses). Call it once per
 * schema module: each call makes new table objects, which drizzle-kit would see as duplicates.
 *
 * @example
 * export const { user, session, account, verification } = betterAuthSchema({
 *   userColumns: { role: text('role').notNull().default('user') },
 * })
 */
export function betterAuthSchema<
  UserExtra extends Record<string, PgColumnBuilderBase> = Record<never, PgColumnBuilderBase>,
>(options: BetterAuthSchemaOptions<UserExtra> = {}) {
  const extra = (options.userColumns ?? {}) as UserExtra
  const core = userColumns()
  for (const name of Object.keys(extra)) {
    if (Object.hasOwn(core, name)) {
      throw new SessionError(
        errors.E_OPTION_INVALID,
        `betterAuthSchema: userColumns.${name} would replace Better Auth's own column`,
      )
    }
  }
  const user = pgTable('user', { ...core, ...extra })

  const session = pgTable(
    'session',
    {
      id: text('id').primaryKey(),
      expiresAt: timestamp('expires_at').notNull(),
      token: text('token').notNull().unique(),
      createdAt: timestamp('created_at').notNull().defaultNow(),
      updatedAt: timestamp('updated_at').notNull().defaultNow(),
      ipAddress: text('ip_address'),
      userAgent: text('user_agent'),
      userId: text('user_id')
        .notNull()
        .references(() => user.id, { onDelete: 'cascade' }),
    },
    (t) => [index('session_user_id_idx').on(t.userId)],
  )

  const account = pgTable(
    'account',
    {
      id: text('id').primaryKey(),
      accountId: text('account_id').notNull(),
      providerId: text('provider_id').notNull(),
      userId: text('user_id')
        .notNull()
        .references(() => user.id, { onDelete: 'cascade' }),
      accessToken: text('access_token'),
      refreshToken: text('refresh_token'),
      idToken: text('id_token'),
      accessTokenExpiresAt: timestamp('access_token_expires_at'),
      refreshTokenExpiresAt: timestamp('refresh_token_expires_at'),
      scope: text('scope'),
      password: text('password'),
      createdAt: timestamp('created_at').notNull().defaultNow(),
      updatedAt: timestamp('updated_at').notNull().defaultNow(),
    },
    (t) => [index('account_user_id_idx').on(t.userId)],
  )

  const verification = pgTable(
    'verification',
    {
      id: text('id').primaryKey(),
      identifier: text('identifier').notNull(),
      value: text('value').notNull(),
      expiresAt: timestamp('expires_at').notNull(),
      createdAt: timestamp('created_at').notNull().defaultNow(),
      updatedAt: timestamp('updated_at').notNull().defaultNow(),
    },
    (t) => [index('verification_identifier_idx').on(t.identifier)],
  )

  const rateLimit = pgTable('rate_limit', {
    id: text('id').primaryKey(),
    key: text('key').notNull().unique(),
    count: integer('count').notNull(),
    lastRequest: bigint('last_request', { mode: 'number' }).notNull(),
  })

  return { user, session, account, verification, rateLimit }
}
