'use server'

import { redirect } from 'next/navigation'
import { updateProduct } from '../data/products'
import { invalidateEverywhere } from '../invalidate'
import { keys } from '../keys'
import { requireSession } from '../session'

export async function saveProduct(form: FormData): Promise<void> {
  await requireSession()
  const id = String(form.get('id') ?? '')
  const name = String(form.get('name') ?? '').trim()
  const description = String(form.get('description') ?? '').trim()
  const price = Number(String(form.get('price') ?? '').replace(',', '.'))
  const back = `/products/${encodeURIComponent(id)}/edit`
  if (!name) redirect(`${back}?error=${encodeURIComponent('A product needs a name.')}`)
  if (!Number.isFinite(price) || price < 0) {
    redirect(`${back}?error=${encodeURIComponent('The price must be a positive number.')}`)
  }
  const saved = await updateProduct(id, { name, description, priceCents: Math.round(price * 100) })
  if (!saved) redirect(`/products?error=${encodeURIComponent('No such product.')}`)
  // The product's tags as the registry defines them: its own and the lists'.
  await invalidateEverywhere(keys.product({ id }).tags)
  redirect(`/products?ok=${encodeURIComponent(`Saved ${name}.`)}`)
}
