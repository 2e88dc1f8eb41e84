export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A random token for lock ownership; unguessable so no other owner can release our lock. */
export function randomToken(): string {
  return crypto.randomUUID()
}

export type Raced<T> =
  | { status: 'done'; value: T }
  | { status: 'failed'; error: unknown }
  | { status: 'timeout' }

/** Settles with the promise's outcome, or `timeout` after `ms`; never rejects. */
export function race<T>(promise: Promise<T>, ms: number): Promise<Raced<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'timeout' }), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve({ status: 'done', value })
      },
      (error: unknown) => {
        clearTimeout(timer)
        resolve({ status: 'failed', error })
      },
    )
  })
}

/** `a` plus whatever of `b` it lacks, without allocating when there is nothing to add. */
export function union(a: readonly string[], b: readonly string[] | undefined): readonly string[] {
  if (!b || b.length === 0) return a
  if (a.length === 0) return b
  const out = [...a]
  for (const item of b) if (!out.includes(item)) out.push(item)
  return out
}

/** A Map that forgets its oldest entries past `max`; for per-key hints that must stay bounded. */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #max: number
  constructor(max: number) {
    super()
    this.#max = max
  }
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.#max) {
      const oldest = this.keys().next()
      if (!oldest.done) this.delete(oldest.value)
    }
    return super.set(key, value)
  }
}
