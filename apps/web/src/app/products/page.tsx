import { cacheLife, cacheTag } from 'next/cache'
import Link from 'next/link'
import { connection } from 'next/server'
import { Suspense } from 'react'
import { listProducts } from '@/lib/data/products'
import type { SearchParams } from '@/lib/page'
import { ErrorNotice } from '../error-notice'

export const metadata = { title: 'Products' }

export default function ProductsPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1>Products</h1>
      <p className="muted">
        Rendered once with <code>'use cache'</code> (tag <code>products</code>, stored in Redis by
        the hotpath cache handler) over data cached under <code>products:all</code>. Editing a
        product invalidates both.
      </p>
      <Suspense fallback={<p className="muted">Loading products…</p>}>
        <ErrorNotice searchParams={searchParams} />
        <Products />
      </Suspense>
    </>
  )
}

async function Products() {
  // Request time only: the list is never rendered at build, when no database is open.
  await connection()
  return <ProductTable />
}

async function ProductTable() {
  'use cache'
  cacheTag('products')
  cacheLife('hours')
  const products = await listProducts()
  return (
    <>
      <table data-testid="products">
        <thead>
          <tr>
            <th>Product</th>
            <th>Description</th>
            <th>Price</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <tr key={p.id} data-product={p.id}>
              <td>
                {p.name}
                {p.featured ? <span className="badge status-green"> featured</span> : null}
              </td>
              <td>{p.description}</td>
              <td>${(p.priceCents / 100).toFixed(2)}</td>
              <td>
                <Link prefetch={false} href={`/products/${p.id}/edit`}>
                  Edit
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted" data-testid="rendered-at">
        Rendered at {new Date().toISOString()}
      </p>
    </>
  )
}
