import Link from 'next/link'
import { connection } from 'next/server'
import { Suspense } from 'react'
import { listPosts } from '@/lib/data/blog'

export const metadata = { title: 'Blog' }

export default function BlogPage() {
  return (
    <>
      <h1>Blog</h1>
      <Suspense fallback={<p className="muted">Loading posts…</p>}>
        <Posts />
      </Suspense>
    </>
  )
}

async function Posts() {
  await connection()
  const posts = await listPosts()
  return (
    <div className="grid">
      {posts.map((p) => (
        <article key={p.slug} className="card">
          <h2>
            <Link prefetch={false} href={`/blog/${p.slug}`}>
              {p.title}
            </Link>
          </h2>
          <p>{p.excerpt}</p>
          <p className="muted">
            {p.author} · {p.tags.join(', ')}
          </p>
        </article>
      ))}
    </div>
  )
}
