import { serve } from '@hono/node-server'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openStore } from './db/store.ts'
import { jobHandlers } from './jobs/handlers.ts'
import { startWorker } from './jobs/queue.ts'
import { connectRedis, StartupError } from './redis.ts'

async function main() {
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
          console.warn('job worker:', error instanceof Error ? error.message : error),
      })
    : undefined

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    console.log(`redis:    ${redis.description}`)
    console.log(`database: ${store.kind} ${store.location}`)
    console.log(`ready: http://${info.address}:${info.port}  (docs: /openapi.json)`)
  })
  server.on('error', (error: NodeJS.ErrnoException) => {
    const why =
      error.code === 'EADDRINUSE'
        ? `port ${config.port} is in use by another process: set PORT (or API_PORT) to a free one`
        : error.message
    console.error(`cannot listen on ${config.host}:${config.port}: ${why}`)
    void stop(1)
  })

  let stopping = false
  async function stop(code: number) {
    if (stopping) return
    stopping = true
    server.close()
    await worker?.stop()
    await redis.close()
    await store.close()
    process.exit(code)
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
}

main().catch((error: unknown) => {
  // What the operator can fix gets one line; anything else is a bug and keeps its stack.
  if (error instanceof StartupError) console.error(`cannot start: ${error.message}`)
  else console.error(error)
  process.exit(1)
})
