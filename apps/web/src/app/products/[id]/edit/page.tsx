import Link from 'next/link'
import { notFound } from 'next/navigation'
import { Suspense } from 'react'
import { saveProduct } from '@/lib/actions/products'
import { getProduct } from '@/lib/data/products'
import type { SearchParams } from '@/lib/page'
import { requireSession } from '@/lib/session'
import { ErrorNotice } from '../../../error-notice'

export const metadata = { title: 'Edit product' }

type Props = { params: Promise<{ id: string }>; searchParams: SearchParams }

export default function EditProductPage({ params, searchParams }: Props) {
  return (
    <>
      <h1>Edit product</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <ErrorNotice searchParams={searchParams} />
        <EditForm params={params} />
      </Suspense>
    </>
  )
}

async function EditForm({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  await requireSession(`/products/${encodeURIComponent(id)}/edit`)
  const product = await getProduct(id)
  if (!product) notFound()
  return (
    <form action={saveProduct} className="stack">
      <input type="hidden" name="id" value={product.id} />
      <label>
        Name
        <input name="name" defaultValue={product.name} required />
      </label>
      <label>
        Description
        <textarea name="description" defaultValue={product.description} rows={3} />
      </label>
      <label>
        Price (USD)
        <input
          name="price"
          inputMode="decimal"
          defaultValue={(product.priceCents / 100).toFixed(2)}
        />
      </label>
      <div className="row">
        <button type="submit">Save</button>
        <Link prefetch={false} href="/products">
          Cancel
        </Link>
      </div>
    </form>
  )
}
