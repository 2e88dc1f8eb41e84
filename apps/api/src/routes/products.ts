import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { App, Services } from '../context.ts'
import type { Product } from '../db/schema.ts'
import { ApiError, errors } from '../errors.ts'
import { requireAuthenticated } from '../guards.ts'
import { registry } from '../keys.ts'
import {
  authenticated,
  commonErrors,
  conflict,
  NewProductSchema,
  notFound,
  Pagination,
  ProductId,
  ProductPatchSchema,
  ProductSchema,
  toProductBody,
  unauthorized,
} from '../schemas.ts'

const cacheHeader = z.object({ 'x-cache': z.enum(['HIT', 'MISS']) })

const listProducts = createRoute({
  method: 'get',
  path: '/products',
  tags: ['products'],
  summary: 'A page of products (cache-aside, tag `products`)',
  request: { query: Pagination },
  responses: {
    200: {
      description: 'The page; `x-cache` says whether it came from Redis',
      headers: cacheHeader,
      content: {
        'application/json': {
          schema: z.object({
            products: z.array(ProductSchema),
            limit: z.number(),
            offset: z.number(),
          }),
        },
      },
    },
    ...commonErrors,
  },
})

const getProduct = createRoute({
  method: 'get',
  path: '/products/{id}',
  tags: ['products'],
  summary: 'One product (cache-aside, tag `product:{id}`)',
  request: { params: z.object({ id: ProductId }) },
  responses: {
    200: {
      description: 'The product; `x-cache` says whether it came from Redis',
      headers: cacheHeader,
      content: { 'application/json': { schema: ProductSchema } },
    },
    ...notFound,
    ...commonErrors,
  },
})

const createProduct = createRoute({
  method: 'post',
  path: '/products',
  tags: ['products'],
  summary: 'Create a product; invalidates tag `products`',
  security: authenticated,
  request: {
    body: { required: true, content: { 'application/json': { schema: NewProductSchema } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: ProductSchema } } },
    ...unauthorized,
    ...conflict,
    ...commonErrors,
  },
})

const updateProduct = createRoute({
  method: 'patch',
  path: '/products/{id}',
  tags: ['products'],
  summary: 'Change a product; invalidates tags `product:{id}` and `products`',
  security: authenticated,
  request: {
    params: z.object({ id: ProductId }),
    body: { required: true, content: { 'application/json': { schema: ProductPatchSchema } } },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: ProductSchema } } },
    ...unauthorized,
    ...notFound,
    ...commonErrors,
  },
})

const isUniqueViolation = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Object; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true
  }
  return false
}

/**
 * The write is done either way; when Redis could not take the invalidation, say so, because
 * cached copies may then be served until their TTL ends.
 */
function invalidated(c: Context, ok: boolean): void {
  c.header('x-cache-invalidation', ok ? 'ok' : 'failed')
}

export function productRoutes(app: App, { store, cache }: Services): void {
  app.openapi(listProducts, async (c) => {
    const { limit, offset } = c.req.valid('query')
    let loaded = false
    const rows = await cache.getOrSet(registry.keys.productList({ limit, offset }), async () => {
      loaded = true
      return (await store.listProducts({ limit, offset })).map(toProductBody)
    })
    c.header('x-cache', loaded ? 'MISS' : 'HIT')
    return c.json({ products: rows, limit, offset }, 200)
  })

  app.openapi(getProduct, async (c) => {
    const { id } = c.req.valid('param')
    let loaded = false
    const product = await cache.getOrSet(
      registry.keys.product({ id }),
      async () => {
        loaded = true
        const row = await store.getProduct(id)
        return row ? toProductBody(row) : null
      },
      // A short negative entry absorbs floods for ids that do not exist; creating the id
      // invalidates its tag, so it never hides a real row.
      { negativeTtl: '10s' },
    )
    if (!product) throw new ApiError(404, errors.E_NOT_FOUND, `No product with id "${id}"`)
    c.header('x-cache', loaded ? 'MISS' : 'HIT')
    return c.json(product, 200)
  })

  app.openapi(createProduct, async (c) => {
    requireAuthenticated(c.get('identity'))
    const input = c.req.valid('json')
    if (input.id && (await store.getProduct(input.id))) {
      throw new ApiError(409, errors.E_CONFLICT, `A product with id "${input.id}" exists`)
    }
    const row: Product = await store.createProduct(input).catch((error: unknown) => {
      if (isUniqueViolation(error)) {
        throw new ApiError(409, errors.E_CONFLICT, `A product with id "${input.id}" exists`)
      }
      throw error
    })
    invalidated(c, await cache.invalidateTags(['products', `product:${row.id}`]))
    c.header('location', `/products/${row.id}`)
    return c.json(toProductBody(row), 201)
  })

  app.openapi(updateProduct, async (c) => {
    requireAuthenticated(c.get('identity'))
    const { id } = c.req.valid('param')
    const row: Product | null = await store.updateProduct(id, c.req.valid('json'))
    if (!row) throw new ApiError(404, errors.E_NOT_FOUND, `No product with id "${id}"`)
    // The database is written first: a reader that fills the cache after this sees the new row.
    invalidated(c, await cache.invalidateTags([`product:${id}`, 'products']))
    return c.json(toProductBody(row), 200)
  })
}
