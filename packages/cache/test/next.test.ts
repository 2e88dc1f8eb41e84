import type { CacheHandler as NextUseCacheHandler } from 'next/dist/server/lib/cache-handlers/types'
import type { CacheHandler as NextIncrementalHandler } from 'next/dist/server/lib/incremental-cache'
import { describe, expect, test } from 'vitest'
import { createCache } from '../src/index'
import {
  createIncrementalCacheHandler,
  createUseCacheHandler,
  revalidateTags,
  type UseCacheEntry,
} from '../src/next/index'
import { redisFixture, runId, sleep, TARGETS } from './fixtures'

const redis = redisFixture()

type NextHandler = InstanceType<typeof NextIncrementalHandler>
// Next declares kinds as const enums, which isolated modules cannot reference: cast the literals.
type Value = Parameters<NextHandler['set']>[1]
type GetContext = Parameters<NextHandler['get']>[1]
type SetContext = Parameters<NextHandler['set']>[2]
const nextContext = (revalidatedTags: string[] = []) => ({ revalidatedTags, _requestHeaders: {} })
const getCtx = (ctx: Record<string, unknown>) => ctx as unknown as GetContext
const setCtx = (ctx: Record<string, unknown>) => ctx as unknown as SetContext

const bytes = (text: string) => new TextEncoder().encode(text)
const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text()

function entry(body: string, overrides: Partial<UseCacheEntry> = {}): UseCacheEntry {
  return {
    value: new ReadableStream({
      start(controller) {
        controller.enqueue(bytes(body))
        controller.close()
      },
    }),
    tags: ['posts'],
    stale: 30,
    timestamp: Date.now(),
    expire: 3600,
    revalidate: 900,
    ...overrides,
  }
}

describe('handlers match Next 16 interfaces', () => {
  test('the use-cache handler is a Next CacheHandler and the class a Next incremental handler', () => {
    const handler: NextUseCacheHandler = createUseCacheHandler({ redis: null })
    const Handler: typeof NextIncrementalHandler = createIncrementalCacheHandler({ redis: null })
    expect(typeof handler.getExpiration).toBe('function')
    expect(typeof new Handler({ revalidatedTags: [], _requestHeaders: {} }).resetRequestCache).toBe(
      'function',
    )
  })
})

describe.each(TARGETS)("'use cache' handler on %s", (target) => {
  const handlers = async (n: number) => {
    const prefix = runId()
    return Promise.all(
      Array.from({ length: n }, async () =>
        createUseCacheHandler({ redis: await redis.connect(target), prefix }),
      ),
    )
  }

  test('every get returns a new stream over the stored bytes', async () => {
    const [handler] = await handlers(1)
    if (!handler) throw new Error('handler expected')
    await handler.set('k', Promise.resolve(entry('<p>hello</p>')))
    const first = await handler.get('k', [])
    const second = await handler.get('k', [])
    expect(first?.value).not.toBe(second?.value)
    expect(await text(first?.value as ReadableStream<Uint8Array>)).toBe('<p>hello</p>')
    expect(await text(second?.value as ReadableStream<Uint8Array>)).toBe('<p>hello</p>')
    expect(first).toMatchObject({ tags: ['posts'], stale: 30, expire: 3600, revalidate: 900 })
  })

  test('a get waits for a pending set of the same key instead of missing', async () => {
    const [handler] = await handlers(1)
    if (!handler) throw new Error('handler expected')
    let finish: (value: UseCacheEntry) => void = () => {}
    const setting = handler.set(
      'slow',
      new Promise<UseCacheEntry>((resolve) => {
        finish = resolve
      }),
    )
    const reading = handler.get('slow', [])
    await sleep(30)
    finish(entry('late'))
    const found = await reading
    expect(await text(found?.value as ReadableStream<Uint8Array>)).toBe('late')
    await setting
  })

  test('updateTags without durations expires the entry in every instance', async () => {
    const [a, b] = await handlers(2)
    if (!a || !b) throw new Error('handlers expected')
    await a.set('k', Promise.resolve(entry('v', { timestamp: Date.now() - 10 })))
    expect(await b.get('k', [])).toBeDefined()
    await b.updateTags(['posts'])
    expect(await a.get('k', [])).toBeUndefined()
  })

  test('updateTags with durations marks the entry stale, then expired after expire', async () => {
    const [a, b] = await handlers(2)
    if (!a || !b) throw new Error('handlers expected')
    await a.set('k', Promise.resolve(entry('v', { timestamp: Date.now() - 10 })))
    await b.updateTags(['posts'], { expire: 1 })
    const stale = await a.get('k', [])
    expect(stale?.revalidate).toBe(-1)
    await sleep(1100)
    expect(await a.get('k', [])).toBeUndefined()
  })

  test('soft tags passed to get are enforced, so getExpiration defers to get', async () => {
    const [a, b] = await handlers(2)
    if (!a || !b) throw new Error('handlers expected')
    expect(await a.getExpiration(['_N_T_/blog'])).toBe(Number.POSITIVE_INFINITY)
    await a.set('k', Promise.resolve(entry('v', { timestamp: Date.now() - 10 })))
    await b.updateTags(['_N_T_/blog'])
    expect(await a.get('k', ['_N_T_/other'])).toBeDefined()
    expect(await a.get('k', ['_N_T_/blog'])).toBeUndefined()
  })

  test('an entry written after the revalidation is served', async () => {
    const [a] = await handlers(1)
    if (!a) throw new Error('handler expected')
    await a.updateTags(['posts'])
    await sleep(5)
    await a.set('k', Promise.resolve(entry('new')))
    expect(await a.get('k', [])).toBeDefined()
  })

  test('the tag manifest in Redis expires, and entries never outlive it', async () => {
    const prefix = runId()
    const client = await redis.connect(target)
    const handler = createUseCacheHandler({ redis: client, prefix, tagRetention: 2 })
    await handler.set('k', Promise.resolve(entry('v', { expire: 3600 })))
    await handler.updateTags(['posts'])
    const keys: string[] = []
    for await (const batch of client.scan({ match: `${prefix}:cache:next:*` })) keys.push(...batch)
    expect(keys).toHaveLength(2)
    for (const key of keys) {
      const pttl = await client.pttl(key)
      expect(pttl).toBeGreaterThan(0)
      expect(pttl).toBeLessThanOrEqual(2000)
    }
  })

  test('an entry with expire 0 is not stored and a failing stream leaves no entry', async () => {
    const [a] = await handlers(1)
    if (!a) throw new Error('handler expected')
    await a.set('dynamic', Promise.resolve(entry('v', { expire: 0 })))
    expect(await a.get('dynamic', [])).toBeUndefined()
    const broken = entry('x')
    broken.value = new ReadableStream({
      start(controller) {
        controller.error(new Error('render failed'))
      },
    })
    const errors: string[] = []
    const quiet = createUseCacheHandler({
      redis: await redis.connect(target),
      onError: (_error, operation) => errors.push(operation),
    })
    await quiet.set('broken', Promise.resolve(broken))
    expect(await quiet.get('broken', [])).toBeUndefined()
    expect(errors).toEqual(['set'])
  })
})

describe.each(TARGETS)('incremental cache handler on %s', (target) => {
  const classes = async () => {
    const prefix = runId()
    return [
      createIncrementalCacheHandler({ redis: await redis.connect(target), prefix }),
      createIncrementalCacheHandler({ redis: await redis.connect(target), prefix }),
    ] as const
  }

  const page = {
    kind: 'APP_PAGE',
    html: '<html>hi</html>',
    rscData: Buffer.from('rsc-bytes'),
    headers: { 'x-next-cache-tags': 'products,_N_T_/shop' },
    postponed: undefined,
    status: 200,
    segmentData: new Map([['/_index', Buffer.from('segment')]]),
  }

  test('an app page round-trips with its buffers, maps and cache control', async () => {
    const [A, B] = await classes()
    await new A(nextContext()).set(
      '/shop',
      page as unknown as Value,
      setCtx({ cacheControl: { revalidate: 60, expire: 3600 } }),
    )
    const found = await new B(nextContext()).get('/shop', getCtx({ kind: 'APP_PAGE' }))
    expect(found?.value).toEqual(page)
    expect(Buffer.isBuffer((found?.value as unknown as typeof page | undefined)?.rscData)).toBe(
      true,
    )
    expect(found?.cacheControl).toEqual({ revalidate: 60, expire: 3600 })
    expect(found?.lastModified).toBeGreaterThan(Date.now() - 5000)
  })

  test('revalidateTag in one instance makes the page a miss in another', async () => {
    const [A, B] = await classes()
    await new A(nextContext()).set(
      '/shop',
      page as unknown as Value,
      setCtx({ cacheControl: { revalidate: 60, expire: 3600 } }),
    )
    await sleep(5)
    await new B(nextContext()).revalidateTag('products')
    expect(await new A(nextContext()).get('/shop', getCtx({ kind: 'APP_PAGE' }))).toBeNull()
  })

  test('revalidateTag with durations serves the page once more for background regeneration', async () => {
    const [A, B] = await classes()
    await new A(nextContext()).set(
      '/shop',
      page as unknown as Value,
      setCtx({ cacheControl: { revalidate: 60, expire: 3600 } }),
    )
    await sleep(5)
    await new B(nextContext()).revalidateTag(['products'], { expire: 300 })
    const found = await new A(nextContext()).get('/shop', getCtx({ kind: 'APP_PAGE' }))
    expect(found?.lastModified).toBe(-1)
    expect(found?.value).toEqual(page)
  })

  test('fetch entries honour their tags, soft tags and this request’s revalidations', async () => {
    const [A, B] = await classes()
    const data = {
      kind: 'FETCH',
      data: { headers: {}, body: 'e30=', url: 'https://x' },
      revalidate: 60,
    }
    await new A(nextContext()).set(
      'f1',
      data as unknown as Value,
      setCtx({ fetchCache: true, tags: ['api'] }),
    )
    expect(
      (await new B(nextContext()).get('f1', getCtx({ kind: 'FETCH', tags: ['api'] })))?.value,
    ).toEqual(data)
    expect(
      await new B(nextContext(['api'])).get('f1', getCtx({ kind: 'FETCH', tags: ['api'] })),
    ).toBeNull()
    await sleep(5)
    await new B(nextContext()).revalidateTag('_N_T_/layout')
    expect(
      await new A(nextContext()).get(
        'f1',
        getCtx({ kind: 'FETCH', tags: ['api'], softTags: ['_N_T_/layout'] }),
      ),
    ).toBeNull()
  })
})

describe('revalidateTags()', () => {
  test('invalidates hotpath tags and calls Next’s revalidateTag for each', async () => {
    const id = runId()
    const cache = createCache({ redis: await redis.connect('standalone'), prefix: id })
    await cache.set(`${id}:p`, 'v', { tags: ['products'] })
    const calls: [string, unknown][] = []
    const ok = await revalidateTags(cache, ['products', 'home'], {
      revalidateTag: (tag, profile) => calls.push([tag, profile]),
    })
    expect(ok).toBe(true)
    expect(calls).toEqual([
      ['products', 'max'],
      ['home', 'max'],
    ])
    expect(await cache.get(`${id}:p`)).toBeUndefined()
  })
})
