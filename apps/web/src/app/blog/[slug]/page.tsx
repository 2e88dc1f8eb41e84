import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { Suspense } from 'react'
import { getPostBody, getPostMeta } from '@/lib/data/blog'
import { CacheBadge } from '../../cache-badge'

type Props = { params: Promise<{ slug: string }> }

// The <head> and the page read the same `blog:post:{slug}:meta` entry: one load, two readers.
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params
  const meta = await getPostMeta(slug)
  if (!meta.value) return { title: 'Not found' }
  return {
    title: meta.value.title,
    description: meta.value.excerpt,
    authors: [{ name: meta.value.author }],
  }
}

export default function PostPage({ params }: Props) {
  return (
    <Suspense fallback={<p className="muted">Loading post…</p>}>
      <Post params={params} />
    </Suspense>
  )
}

async function Post({ params }: Props) {
  const { slug } = await params
  const [meta, body] = await Promise.all([getPostMeta(slug), getPostBody(slug)])
  if (!meta.value || body === null) notFound()
  return (
    <article>
      <h1>{meta.value.title}</h1>
      <p className="muted">
        {meta.value.author} · {meta.value.publishedAt.toISOString().slice(0, 10)} ·{' '}
        {meta.value.tags.join(', ')} <CacheBadge hit={meta.hit} ms={meta.ms} />
      </p>
      <p>{body}</p>
    </article>
  )
}
