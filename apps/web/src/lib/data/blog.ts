import { post } from '@apps/db/schema'
import { desc, eq } from 'drizzle-orm'
import { getOrSetTracked } from '../cache'
import { getDb } from '../db/client'
import { keys } from '../keys'

export type PostMeta = {
  slug: string
  title: string
  excerpt: string
  author: string
  tags: string[]
  publishedAt: Date
}

export async function listPosts(): Promise<PostMeta[]> {
  const db = await getDb()
  return db
    .select({
      slug: post.slug,
      title: post.title,
      excerpt: post.excerpt,
      author: post.author,
      tags: post.tags,
      publishedAt: post.publishedAt,
    })
    .from(post)
    .orderBy(desc(post.publishedAt))
}

/** Post metadata under `blog:post:{slug}:meta`; a Date survives the round trip (hotpath serializes). */
export function getPostMeta(slug: string) {
  return getOrSetTracked(keys.blogPostMeta({ slug }), () => getPostMetaUncached(slug))
}

export async function getPostMetaUncached(slug: string): Promise<PostMeta | null> {
  const db = await getDb()
  const rows = await db
    .select({
      slug: post.slug,
      title: post.title,
      excerpt: post.excerpt,
      author: post.author,
      tags: post.tags,
      publishedAt: post.publishedAt,
    })
    .from(post)
    .where(eq(post.slug, slug))
  return rows[0] ?? null
}

export async function getPostBody(slug: string): Promise<string | null> {
  const db = await getDb()
  const rows = await db.select({ body: post.body }).from(post).where(eq(post.slug, slug))
  return rows[0]?.body ?? null
}
