import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { App, Services } from '../context.ts'
import { requireAuthenticated } from '../guards.ts'
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
  unauthorized,
} from '../schemas.ts'
import { createProductService } from '../services/products.ts'

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

/**
 * The write is done either way; when Redis could not take the invalidation, say so, because
 * cached copies may then be served until their TTL ends.
 */
function invalidated(c: Context, ok: boolean): void {
  c.header('x-cache-invalidation', ok ? 'ok' : 'failed')
}

export function productRoutes(app: App, { store, cache }: Services): void {
  const products = createProductService({ store, cache })

  app.openapi(listProducts, async (c) => {
    const { limit, offset } = c.req.valid('query')
    const read = await products.list({ limit, offset })
    c.header('x-cache', read.hit ? 'HIT' : 'MISS')
    return c.json({ products: read.value, limit, offset }, 200)
  })

  app.openapi(getProduct, async (c) => {
    const read = await products.get(c.req.valid('param').id)
    c.header('x-cache', read.hit ? 'HIT' : 'MISS')
    return c.json(read.value, 200)
  })

  app.openapi(createProduct, async (c) => {
    requireAuthenticated(c.get('identity'))
    const write = await products.create(c.req.valid('json'))
    invalidated(c, write.invalidated)
    c.header('location', `/products/${write.value.id}`)
    return c.json(write.value, 201)
  })

  app.openapi(updateProduct, async (c) => {
    requireAuthenticated(c.get('identity'))
    const { id } = c.req.valid('param')
    const write = await products.update(id, c.req.valid('json'))
    invalidated(c, write.invalidated)
    return c.json(write.value, 200)
  })
}
