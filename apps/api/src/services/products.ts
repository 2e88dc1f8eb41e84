import type { Cache } from '@hotpath/cache'
import type { NewProduct, ProductPatch, Store } from '../db/store.ts'
import { ApiError, errors } from '../errors.ts'
import { registry } from '../keys.ts'
import { type ProductBody, toProductBody } from '../schemas.ts'

/** A read, and whether Redis answered it (HIT) or the store did (MISS). */
export type Read<T> = { value: T; hit: boolean }
/** A write, and whether Redis took the invalidation (false: cached copies live out their TTL). */
export type Write<T> = { value: T; invalidated: boolean }

const isUniqueViolation = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Object; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true
  }
  return false
}

/**
 * Every tag a product's change must reach: its own entry and every page of the list, as the
 * registry defines them (the web app invalidates the same tags).
 */
function productTags(id: string): string[] {
  const list = registry.keys.productList({ limit: 1, offset: 0 }).tags
  return [...new Set([...registry.keys.product({ id }).tags, ...list])]
}

/** Products with cache-aside in front of the store: the routes only translate HTTP. */
export function createProductService({ store, cache }: { store: Store; cache: Cache }) {
  return {
    async list(page: { limit: number; offset: number }): Promise<Read<ProductBody[]>> {
      let loaded = false
      const value = await cache.getOrSet(registry.keys.productList(page), async () => {
        loaded = true
        return (await store.listProducts(page)).map(toProductBody)
      })
      return { value, hit: !loaded }
    },

    async get(id: string): Promise<Read<ProductBody>> {
      let loaded = false
      const value = await cache.getOrSet(
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
      if (!value) throw new ApiError(404, errors.E_NOT_FOUND, `No product with id "${id}"`)
      return { value, hit: !loaded }
    },

    async create(input: NewProduct): Promise<Write<ProductBody>> {
      const conflict = () =>
        new ApiError(409, errors.E_CONFLICT, `A product with id "${input.id}" exists`)
      if (input.id && (await store.getProduct(input.id))) throw conflict()
      const row = await store.createProduct(input).catch((error: unknown) => {
        throw isUniqueViolation(error) ? conflict() : error
      })
      const invalidated = await cache.invalidateTags(productTags(row.id))
      return { value: toProductBody(row), invalidated }
    },

    async update(id: string, patch: ProductPatch): Promise<Write<ProductBody>> {
      const row = await store.updateProduct(id, patch)
      if (!row) throw new ApiError(404, errors.E_NOT_FOUND, `No product with id "${id}"`)
      // The database is written first: a reader that fills the cache after this sees the new row.
      const invalidated = await cache.invalidateTags(productTags(id))
      return { value: toProductBody(row), invalidated }
    },
  }
}

export type ProductService = ReturnType<typeof createProductService>
