import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrationsFolder } from '@apps/db/migrations'
import { redisTargets } from '@hotpath/test-redis'

export type RedisMode = 'tcp' | 'rest' | 'none'

export type AppEnv = {
  runId: string
  dataDir: string
  /** Closes the database, the Redis clients and the REST server; removes the data directory. */
  close(): Promise<void>
}

/**
 * Points the app's modules at a private PGlite directory and at the harness's real Redis
 * (directly over TCP, or through @hotpath/redis-rest with the Upstash SDK). Call it before
 * importing app modules: the key registry reads its prefix at definition time, and every
 * key of this file then lives under a prefix of its own.
 */
export async function useAppEnv(mode: RedisMode): Promise<AppEnv> {
  const runId = `web-${mode}-${Math.random().toString(36).slice(2, 10)}`
  const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-web-'))
  const closers: (() => Promise<void>)[] = []
  for (const name of [
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'KV_REST_API_URL',
    'KV_REST_API_TOKEN',
    'REDIS_URL',
    'DATABASE_URL',
  ]) {
    delete process.env[name]
  }
  process.env.HOTPATH_DATA_DIR = dataDir
  process.env.HOTPATH_KEY_PREFIX = `${runId}:`
  process.env.HOTPATH_SEED_PAGE_VIEWS = '3000'
  process.env.HOTPATH_MIGRATIONS_DIR = migrationsFolder
  process.env.BETTER_AUTH_SECRET = 'integration-test-secret-that-is-long-enough'
  process.env.BETTER_AUTH_URL = 'http://127.0.0.1:3000'
  const { standalone } = redisTargets()
  if (mode === 'tcp') process.env.REDIS_URL = standalone.url
  if (mode === 'rest') {
    const { startRestServer } = await import('@hotpath/redis-rest/node')
    const token = `token-${runId}`
    const server = await startRestServer({
      redis: standalone.url,
      token,
      port: 0,
      host: '127.0.0.1',
    })
    closers.push(() => server.close())
    process.env.UPSTASH_REDIS_REST_URL = server.url
    process.env.UPSTASH_REDIS_REST_TOKEN = token
    // As the server does at start (src/instrumentation.ts); see src/lib/scripts.ts.
    const { preloadScripts } = await import('../../src/lib/scripts')
    await preloadScripts()
  }
  return {
    runId,
    dataDir,
    async close() {
      const { closeDb } = await import('../../src/lib/db/client')
      const { resetRedis } = await import('@hotpath/redis')
      await closeDb()
      await resetRedis()
      for (const close of closers.reverse()) await close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
