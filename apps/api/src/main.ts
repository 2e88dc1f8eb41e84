import { serve } from '@hono/node-server'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openStore } from './db/store.ts'
import { jobHandlers } from './jobs/handlers.ts'
import { startWorker } from './jobs/queue.ts'
import { connectRedis } from './redis.ts'

const config = loadConfig()
const redis = await connectRedis(config)
const store = await openStore({
  ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.pgliteDir }),
  ...(config.migrationsFolder ? { migrationsFolder: config.migrationsFolder } : {}),
})
const app = createApp({ redis: redis.client, store, config })
const worker = redis.client
  ? startWorker({
      redis: redis.client,
      handlers: jobHandlers,
      backoffMs: config.jobs.backoffMs,
      pollMs: config.jobs.pollMs,
      onError: (error) =>
        console.warn('[api] job worker:', error instanceof Error ? error.message : error),
    })
  : undefined

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  console.log(`[api] listening on http://${info.address}:${info.port}  (docs: /openapi.json)`)
  console.log(`[api] redis:    ${redis.description}`)
  console.log(`[api] database: ${store.kind} ${store.location}`)
})

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  console.log(`[api] ${signal}: shutting down`)
  server.close()
  await worker?.stop()
  await redis.close()
  await store.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
