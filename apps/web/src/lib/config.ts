import { join, resolve } from 'node:path'

// What the app runs on, read from the environment. Kept free of driver imports so the
// stack script can describe the setup before anything connects.

export type DatabaseInfo = {
  /**
   * `postgres`: DATABASE_URL. `pglite-server`: DATABASE_URL points at the stack's PGlite, served
   * over the Postgres protocol (HOTPATH_DATABASE_SERVER=pglite), shared with apps/api.
   * `pglite`: no DATABASE_URL, a PGlite inside this process (a lone `next dev`, the tests).
   */
  kind: 'pglite' | 'pglite-server' | 'postgres'
  /** Where the data lives, without credentials. */
  location: string
}

export type RedisInfo = {
  kind: 'upstash' | 'tcp' | 'none'
  /** Where Redis is, without credentials. */
  location: string
}

/** Where the app's data lives when DATABASE_URL is not set. @default apps/web/.data */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HOTPATH_DATA_DIR ?? join(/* turbopackIgnore: true */ process.cwd(), '.data'))
}

export function describeDatabase(env: NodeJS.ProcessEnv = process.env): DatabaseInfo {
  const url = env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url)
    const kind = env.HOTPATH_DATABASE_SERVER === 'pglite' ? 'pglite-server' : 'postgres'
    return { kind, location: `${parsed.host}${parsed.pathname}` }
  }
  return { kind: 'pglite', location: join(dataDir(env), 'pglite') }
}

export function describeRedis(env: NodeJS.ProcessEnv = process.env): RedisInfo {
  const restUrl = env.UPSTASH_REDIS_REST_URL ?? env.KV_REST_API_URL
  const restToken = env.UPSTASH_REDIS_REST_TOKEN ?? env.KV_REST_API_TOKEN
  if (restUrl && restToken) return { kind: 'upstash', location: new URL(restUrl).host }
  if (env.REDIS_URL) {
    const url = new URL(env.REDIS_URL)
    return { kind: 'tcp', location: `${url.protocol}//${url.host}` }
  }
  return { kind: 'none', location: 'not configured' }
}

/**
 * The site's public origin, for links and redirects: BETTER_AUTH_URL (the stack sets it to the
 * address it serves). @default 'http://localhost:3000'
 */
export function siteUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BETTER_AUTH_URL ?? 'http://localhost:3000'
}
