import { randomUUID } from 'node:crypto'
import { type RunningRestServer, startRestServer } from '@hotpath/redis-rest/node'
import { redisTargets } from '@hotpath/test-redis'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleForEdge } from '../src/bundle'
import { EXPECTED } from '../src/expected'

const TOKEN = 'edge-test-token'

describe('inside workerd (miniflare), over @hotpath/redis/http and hotpath-redis-rest', () => {
  let server: RunningRestServer
  let mf: Miniflare
  beforeAll(async () => {
    server = await startRestServer({ redis: redisTargets().standalone.url, token: TOKEN, port: 0 })
    const bundle = await bundleForEdge(
      `import { handle } from './src/edge-app'
export default { fetch: (request) => handle(request) }`,
      'workerd',
      // @hotpath/cache's lazy node:zlib (see KNOWN in bundle.test.ts); never loaded here
      { stub: ['node:zlib'] },
    )
    expect(bundle.nodeImports.map((found) => found.path)).toEqual(['node:zlib'])
    // No nodejs_compat flag: a Worker as `wrangler init` makes it.
    mf = new Miniflare({ modules: true, script: bundle.code, compatibilityDate: '2025-09-01' })
  })
  afterAll(async () => {
    await mf?.dispose()
    await server?.close()
  })

  it('runs a rate limit, getCache/setCache, a session read and a flag check', async () => {
    const response = await mf.dispatchFetch('http://worker/', {
      headers: { 'x-rest-url': server.url, 'x-rest-token': TOKEN, 'x-run': randomUUID() },
    })
    const body = await response.json()
    expect(body).toEqual(EXPECTED)
    expect(response.status).toBe(200)
  })

  it('is really workerd', async () => {
    const probe = new Miniflare({
      modules: true,
      script: 'export default { fetch: () => new Response(navigator.userAgent) }',
      compatibilityDate: '2025-09-01',
    })
    try {
      expect(await (await probe.dispatchFetch('http://worker/')).text()).toBe('Cloudflare-Workers')
    } finally {
      await probe.dispose()
    }
  })
})
