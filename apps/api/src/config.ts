import { join, resolve } from 'node:path'

/** Requests per window for one caller class. */
export type LimitRule = { limit: number; window: `${number} ${'s' | 'm' | 'h'}` }

export type ApiConfig = {
  /** @default 8787 (env PORT or API_PORT) */
  port: number
  /** @default '127.0.0.1' (env HOST) */
  host: string
  /** Shared Postgres (the web app's); unset, an embedded PGlite. */
  databaseUrl: string | undefined
  /** PGlite directory, `memory://` for none. @default '<HOTPATH_DATA_DIR or cwd/.data>/api-pglite' */
  pgliteDir: string
  /** The shared drizzle migrations. @default apps/db/drizzle (env HOTPATH_MIGRATIONS_DIR) */
  migrationsFolder: string | undefined
  /**
   * `env`: UPSTASH_REDIS_REST_* / KV_REST_API_* / REDIS_URL are set, `createRedis()` reads them.
   * `embedded`: a local @hotpath/redis-rest (in-memory) on `restPort`, reached through the
   * Upstash SDK, so local runs take production's HTTP code path.
   */
  redisMode: 'env' | 'embedded'
  /**
   * The embedded REST server's port. 0 lets the OS pick a free one: a port someone else holds
   * is never taken for ours. @default 0 (env HOTPATH_REST_PORT)
   */
  restPort: number
  /** @default 'hotpath-local' (env HOTPATH_REST_TOKEN) — loopback only. */
  restToken: string
  /**
   * Verifies Better Auth's signed session cookie. @default env BETTER_AUTH_SECRET, or outside
   * production Better Auth's own development default (what the web app signs with then)
   */
  authSecret: string | undefined
  /** Better Auth's `advanced.cookiePrefix`. @default 'better-auth' (env BETTER_AUTH_COOKIE_PREFIX) */
  cookiePrefix: string | undefined
  /** The web app's `secondaryStorage({ redis, prefix })`. @default HOTPATH_KEY_PREFIX's */
  sessionStoragePrefix: string | undefined
  /**
   * Proxy addresses whose `x-forwarded-for` is believed. Empty: the socket address is the
   * client, so a forged header buys no fresh quota. @default [] (env TRUSTED_PROXIES, comma list)
   */
  trustedProxies: string[]
  limits: {
    /** Per IP. @default 60 per minute */
    anonymous: LimitRule
    /** Per signed-in user. @default 600 per minute */
    user: LimitRule
    /** Per API key, by the owner's tier; unknown tiers get `free`. */
    apiKeyByTier: Record<string, LimitRule>
    /** Auth-like routes (/me, /api-keys), per caller, instead of the above. @default 10 per minute */
    auth: LimitRule
    /**
     * How long a limit check waits for Redis before the failure mode decides (open for the
     * API, closed for auth-like routes). @default 1000 (env RATE_LIMIT_TIMEOUT_MS)
     */
    timeoutMs: number
  }
  jobs: {
    /** @default 3 */
    maxAttempts: number
    /** First retry delay; doubles per attempt. @default 200 */
    backoffMs: number
    /** Idle poll interval of the worker. @default 100 */
    pollMs: number
  }
}

/** Better Auth signs with this when no secret is set outside production (better-auth/utils/constants). */
const BETTER_AUTH_DEV_SECRET = 'better-auth-secret-12345678901234567890'

function int(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`expected a non-negative integer, got "${value}"`)
  return n
}

const hasRedisEnv = (env: NodeJS.ProcessEnv) =>
  Boolean(
    (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) ||
      (env.KV_REST_API_URL && env.KV_REST_API_TOKEN) ||
      env.REDIS_URL,
  )

/** The configuration with its embedded defaults; nothing needs to be set for a local run. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const dataDir = resolve(env.HOTPATH_DATA_DIR ?? join(process.cwd(), '.data'))
  return {
    port: int(env.API_PORT ?? env.PORT, 8787),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir: env.API_PGLITE_DIR ?? join(dataDir, 'api-pglite'),
    migrationsFolder: env.HOTPATH_MIGRATIONS_DIR,
    redisMode: hasRedisEnv(env) ? 'env' : 'embedded',
    restPort: int(env.HOTPATH_REST_PORT, 0),
    restToken: env.HOTPATH_REST_TOKEN ?? 'hotpath-local',
    authSecret:
      env.BETTER_AUTH_SECRET ??
      env.AUTH_SECRET ??
      (env.NODE_ENV === 'production' ? undefined : BETTER_AUTH_DEV_SECRET),
    cookiePrefix: env.BETTER_AUTH_COOKIE_PREFIX,
    sessionStoragePrefix: env.BETTER_AUTH_STORAGE_PREFIX,
    trustedProxies: (env.TRUSTED_PROXIES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    limits: {
      anonymous: { limit: int(env.RATE_LIMIT_ANONYMOUS, 60), window: '1 m' },
      user: { limit: int(env.RATE_LIMIT_USER, 600), window: '1 m' },
      apiKeyByTier: {
        free: { limit: int(env.RATE_LIMIT_API_KEY_FREE, 120), window: '1 m' },
        pro: { limit: int(env.RATE_LIMIT_API_KEY_PRO, 1200), window: '1 m' },
      },
      auth: { limit: int(env.RATE_LIMIT_AUTH, 10), window: '1 m' },
      timeoutMs: int(env.RATE_LIMIT_TIMEOUT_MS, 1000),
    },
    jobs: {
      maxAttempts: int(env.JOB_MAX_ATTEMPTS, 3),
      backoffMs: int(env.JOB_BACKOFF_MS, 200),
      pollMs: int(env.JOB_POLL_MS, 100),
    },
  }
}
