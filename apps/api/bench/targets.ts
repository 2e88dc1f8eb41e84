import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { RedisClient } from '@hotpath/redis'
import { Hono } from 'hono'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openStore } from '../src/db/store.ts'

type Served = { url: string; close(): Promise<void> }

function listen(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
          }),
      })
    })
  })
}

/**
 * The two servers of tooling/bench's `api` scenario, in this process: the full API (rate
 * limiter, identity, cache-aside on PGlite) and a bare Hono hello route as the anchor.
 * Limits are set high enough that the benchmark measures admitted requests.
 */
export async function startApiTargets(redis: RedisClient) {
  const store = await openStore({ dataDir: 'memory://' })
  const config = loadConfig({ RATE_LIMIT_ANONYMOUS: String(1_000_000_000) })
  const api = await listen(createApp({ redis, store, config }).fetch)
  const hello = await listen(new Hono().get('/hello', (c) => c.text('hello')).fetch)
  return {
    productUrl: `${api.url}/products/p-kettle`,
    helloUrl: `${hello.url}/hello`,
    async close() {
      await Promise.all([api.close(), hello.close()])
      // requests cut off by closeAllConnections may still be inside a handler
      await new Promise((resolve) => setTimeout(resolve, 250))
      await store.close()
    },
  }
}
