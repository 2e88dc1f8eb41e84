import type { RedisClient } from '@hotpath/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../src/context.ts'
import type { Store } from '../src/db/store.ts'
import {
  build,
  call,
  connect,
  createApiKeyUser,
  type Driver,
  freshIp,
  openTestStore,
} from './helpers.ts'

let store: Store
beforeAll(async () => {
  store = await openTestStore()
})
afterAll(async () => {
  await store.close()
})

describe.each<Driver>(['tcp', 'upstash'])('products over %s', (driver) => {
  let redis: RedisClient
  let close: () => Promise<void>
  let app: App
  let key: string

  beforeAll(async () => {
    ;({ redis, close } = await connect(driver))
    app = build(redis, store)
    key = (await createApiKeyUser(store)).key
  })
  afterAll(async () => {
    await close()
  })

  const newProduct = async () => {
    const res = await call(app, '/products', {
      method: 'POST',
      headers: { 'x-api-key': key },
      json: { name: `Thing ${driver}`, priceCents: 1200 },
      ip: freshIp(),
    })
    expect(res.status).toBe(201)
    return (await res.json()) as { id: string; name: string }
  }

  it('GET /products/:id reads the database on a miss, then answers from Redis', async () => {
    const { id } = await newProduct()
    const first = await call(app, `/products/${id}`, { ip: freshIp() })
    expect(first.status).toBe(200)
    expect(first.headers.get('x-cache')).toBe('MISS')
    const second = await call(app, `/products/${id}`, { ip: freshIp() })
    expect(second.headers.get('x-cache')).toBe('HIT')
    expect(await second.json()).toEqual(await first.json())
  })

  it('PATCH /products/:id invalidates the cached product and the cached list', async () => {
    const { id } = await newProduct()
    const ip = freshIp()
    await call(app, `/products/${id}`, { ip })
    expect((await call(app, `/products/${id}`, { ip })).headers.get('x-cache')).toBe('HIT')
    await call(app, '/products?limit=100', { ip })
    expect((await call(app, '/products?limit=100', { ip })).headers.get('x-cache')).toBe('HIT')

    const patched = await call(app, `/products/${id}`, {
      method: 'PATCH',
      headers: { 'x-api-key': key },
      json: { name: 'Renamed', priceCents: 999 },
      ip,
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ id, name: 'Renamed', priceCents: 999 })

    const after = await call(app, `/products/${id}`, { ip })
    expect(after.headers.get('x-cache')).toBe('MISS')
    expect(await after.json()).toMatchObject({ name: 'Renamed' })
    const list = await call(app, '/products?limit=100', { ip })
    expect(list.headers.get('x-cache')).toBe('MISS')
    const { products } = (await list.json()) as { products: { id: string; name: string }[] }
    expect(products.find((p) => p.id === id)?.name).toBe('Renamed')
  })

  it('POST /products makes a product visible at once even after a cached 404', async () => {
    const id = `p-new-${driver}-${Date.now()}`
    const ip = freshIp()
    expect((await call(app, `/products/${id}`, { ip })).status).toBe(404)
    const created = await call(app, '/products', {
      method: 'POST',
      headers: { 'x-api-key': key },
      json: { id, name: 'Fresh', priceCents: 1 },
      ip,
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`/products/${id}`)
    expect((await call(app, `/products/${id}`, { ip })).status).toBe(200)
  })
})

describe('products: answers for bad requests', () => {
  let app: App
  let close: () => Promise<void>
  let key: string
  beforeAll(async () => {
    const connection = await connect('tcp')
    close = connection.close
    app = build(connection.redis, store)
    key = (await createApiKeyUser(store)).key
  })
  afterAll(async () => {
    await close()
  })

  it('GET /products lists the seeded products in id order', async () => {
    const res = await call(app, '/products?limit=3', { ip: freshIp() })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { products: { id: string }[]; limit: number; offset: number }
    expect(body.limit).toBe(3)
    expect(body.products).toHaveLength(3)
    const ids = body.products.map((p) => p.id)
    expect(ids).toEqual([...ids].sort())
  })

  it('an unknown product is a 404 with code E_NOT_FOUND', async () => {
    const res = await call(app, '/products/p-does-not-exist', { ip: freshIp() })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: { code: 'E_NOT_FOUND', message: 'No product with id "p-does-not-exist"' },
    })
  })

  it('an unknown route is a 404 with code E_NOT_FOUND', async () => {
    const res = await call(app, '/nope', { ip: freshIp() })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'E_NOT_FOUND' } })
  })

  it('a malformed id is a 400 that names the parameter', async () => {
    const res = await call(app, '/products/bad%20id!', { ip: freshIp() })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } }
    expect(body.error.code).toBe('E_VALIDATION')
    expect(body.error.details.map((d) => d.path)).toEqual(['param.id'])
  })

  it('an out-of-range query is a 400 that names each bad field', async () => {
    const res = await call(app, '/products?limit=0&offset=-1', { ip: freshIp() })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } }
    expect(body.error.code).toBe('E_VALIDATION')
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['query.limit', 'query.offset'])
  })

  it('a body with wrong types and unknown fields is a 400 listing every issue', async () => {
    const res = await call(app, '/products', {
      method: 'POST',
      headers: { 'x-api-key': key },
      json: { name: '', priceCents: 1.5, colour: 'red' },
      ip: freshIp(),
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { path: string }[] }
    }
    expect(body.error.code).toBe('E_VALIDATION')
    const paths = body.error.details.map((d) => d.path)
    expect(paths).toEqual(expect.arrayContaining(['json.name', 'json.priceCents', 'json']))
    expect(body.error.message).toMatch(/json\.name/)
  })

  it('a body that is not JSON is a 400 with code E_VALIDATION', async () => {
    const res = await call(app, '/products', {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{"name":',
      ip: freshIp(),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'E_VALIDATION' } })
  })

  it('an empty PATCH is a 400: there is nothing to change', async () => {
    const res = await call(app, '/products/p-kettle', {
      method: 'PATCH',
      headers: { 'x-api-key': key },
      json: {},
      ip: freshIp(),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'E_VALIDATION' } })
  })

  it('writing without credentials is a 401 with code E_UNAUTHORIZED', async () => {
    const res = await call(app, '/products', {
      method: 'POST',
      json: { name: 'x', priceCents: 1 },
      ip: freshIp(),
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } })
  })

  it('PATCH of an unknown product is a 404', async () => {
    const res = await call(app, '/products/p-missing', {
      method: 'PATCH',
      headers: { 'x-api-key': key },
      json: { name: 'x' },
      ip: freshIp(),
    })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'E_NOT_FOUND' } })
  })

  it('creating an id that exists is a 409 with code E_CONFLICT', async () => {
    const res = await call(app, '/products', {
      method: 'POST',
      headers: { 'x-api-key': key },
      json: { id: 'p-kettle', name: 'again', priceCents: 1 },
      ip: freshIp(),
    })
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'E_CONFLICT' } })
  })

  it('GET /health is green with the driver and a closed breaker while Redis answers', async () => {
    const res = await call(app, '/health', { ip: freshIp() })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      status: string
      redis: { status: string; driver: string; breaker: string; latencyMs: number }
      database: { status: string; kind: string }
    }
    expect(body.status).toBe('ok')
    expect(body.redis).toMatchObject({ driver: 'tcp', breaker: 'closed' })
    expect(['green', 'yellow']).toContain(body.redis.status)
    expect(body.redis.latencyMs).toBeGreaterThanOrEqual(0)
    expect(body.database.kind).toBe('pglite')
  })

  it('GET /openapi.json documents every route', async () => {
    const res = await call(app, '/openapi.json', { ip: freshIp() })
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api-keys',
        '/events',
        '/events/stream',
        '/health',
        '/jobs',
        '/jobs/{id}',
        '/leaderboard',
        '/me',
        '/products',
        '/products/{id}',
        '/scores',
      ].sort(),
    )
  })
})
