import * as schema from '@apps/db/schema'
import { secondaryStorage } from '@hotpath/session/better-auth'
import { betterAuth } from 'better-auth'
import { drizzleAdapter } from 'better-auth/adapters/drizzle'
import { nextCookies } from 'better-auth/next-js'
import { sql } from 'drizzle-orm'
import { type Db, getDb } from './db/client'
import { getRedis } from './redis'

function createAuth(db: Db) {
  const redis = getRedis()
  // With Redis: sessions live there, and Postgres keeps every session as well so losing Redis
  // signs nobody out. Without Redis: Postgres only, silently.
  const storage = secondaryStorage({ redis })
  return betterAuth({
    appName: 'hotpath',
    baseURL: process.env.BETTER_AUTH_URL,
    secret: process.env.BETTER_AUTH_SECRET,
    database: drizzleAdapter(db, { provider: 'pg', schema }),
    secondaryStorage: storage,
    emailAndPassword: { enabled: true, minPasswordLength: 8, autoSignIn: true },
    session: { storeSessionInDatabase: true, expiresIn: 60 * 60 * 24 * 7 },
    user: {
      additionalFields: {
        role: { type: 'string', required: false, defaultValue: 'user', input: false },
        tier: { type: 'string', required: false, defaultValue: 'free', input: false },
      },
    },
    // Off: every auth path is limited by @hotpath/ratelimit (src/lib/ratelimit.ts), on the
    // routes and in the server actions alike. Two limiters with two sets of numbers would give
    // answers that contradict each other's headers.
    rateLimit: { enabled: false },
    // A failed sign-in is an expected outcome, not a warning worth a log line each time.
    logger: { level: 'error' },
    databaseHooks: {
      user: {
        create: {
          // The first account of a fresh install administers it.
          before: async (user) => {
            const rows = await db.select({ n: sql<number>`count(*)::int` }).from(schema.user)
            const admins = (process.env.ADMIN_EMAILS ?? '').split(',').map((e) => e.trim())
            const admin = (rows[0]?.n ?? 0) === 0 || admins.includes(user.email)
            return { data: { ...user, role: admin ? 'admin' : 'user' } }
          },
        },
      },
    },
    plugins: [nextCookies()],
  })
}

export type Auth = ReturnType<typeof createAuth>
export type Session = Auth['$Infer']['Session']

const GLOBAL = Symbol.for('hotpath.web.auth')
type Holder = { [GLOBAL]?: Promise<Auth> }

/** One Better Auth instance per process, created once the database is open and migrated. */
export function getAuth(): Promise<Auth> {
  const holder = globalThis as Holder
  holder[GLOBAL] ??= getDb().then(createAuth)
  return holder[GLOBAL]
}
