import { randomUUID } from 'node:crypto'
import { type RunningRestServer, startRestServer } from '@hotpath/redis-rest/node'
import { redisTargets } from '@hotpath/test-redis'
import { EdgeRuntime } from 'edge-runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleForEdge } from '../src/bundle'
import { EXPECTED } from '../src/expected'

const TOKEN = 'edge-test-token'

describe('inside the Vercel Edge runtime (edge-runtime), over @hotpath/redis/http and hotpath-redis-rest', () => {
  let server: RunningRestServer
  let runtime: EdgeRuntime
  beforeAll(async () => {
    server = await startRestServer({ redis: redisTargets().standalone.url, token: TOKEN, port: 0 })
    const bundle = await bundleForEdge(
      `import { handle } from './src/edge-app'
addEventListener('fetch', (event) => event.respondWith(handle(event.request)))`,
      'edge-light',
      // @hotpath/cache's lazy node:zlib (see KNOWN in bundle.test.ts); never loaded here
      { format: 'iife', stub: ['node:zlib'] },
    )
    expect(bundle.nodeImports.map((found) => found.path)).toEqual(['node:zlib'])
    runtime = new EdgeRuntime({ initialCode: bundle.code })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('runs a rate limit, getCache/setCache, a session read and a flag check', async () => {
    const response = await runtime.dispatchFetch('http://edge/', {
      headers: { 'x-rest-url': server.url, 'x-rest-token': TOKEN, 'x-run': randomUUID() },
    })
    await response.waitUntil()
    expect(await response.json()).toEqual(EXPECTED)
    expect(response.status).toBe(200)
  })

  it('is really the edge runtime: no process, no require', () => {
    expect(runtime.evaluate('typeof process')).toBe('undefined')
    expect(runtime.evaluate('typeof require')).toBe('undefined')
    expect(runtime.evaluate('typeof EdgeRuntime')).toBe('string')
  })
})
