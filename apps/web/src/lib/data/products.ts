import { product } from '@apps/db/schema'
import { asc, eq } from 'drizzle-orm'
import { cached } from '../cache'
import { getDb } from '../db/client'
import { keys } from '../keys'

export type Product = typeof product.$inferSelect

export async function loadProducts(): Promise<Product[]> {
  const db = await getDb()
  return db.select().from(product).orderBy(asc(product.name))
}

export async function loadProduct(id: string): Promise<Product | null> {
  const db = await getDb()
  const rows = await db.select().from(product).where(eq(product.id, id))
  return rows[0] ?? null
}

/** Cache-aside over the product list, tagged `products` (the registry's tags). */
export function listProducts(): Promise<Product[]> {
  return cached(keys.productsAll(), loadProducts)
}

export function getProduct(id: string): Promise<Product | null> {
  return cached(keys.product({ id }), () => loadProduct(id))
}

export type ProductPatch = { name: string; description: string; priceCents: number }

/** Writes the source of truth; the caller invalidates the `products` tag. */
export async function updateProduct(id: string, patch: ProductPatch): Promise<boolean> {
  const db = await getDb()
  const rows = await db
    .update(product)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(product.id, id))
    .returning({ id: product.id })
  return rows.length === 1
}
