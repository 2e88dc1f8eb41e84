import { createCache } from '@hotpath/cache'
import { Ratelimit } from '@hotpath/ratelimit'
import { createCacheHelpers } from '@hotpath/redis'
import { createHttpRedis } from '@hotpath/redis/http'
import { createSessionStore } from '@hotpath/session'

/**
 * The hot path of a page, as an edge function runs it: a rate limit, the cache helpers, a
 * session read and a flag check, all over `@hotpath/redis/http` on the runtime's own fetch.
 * The REST server's URL and token come in request headers so one bundle serves every test.
 */
export async function handle(request: Request): Promise<Response> {
  const url = request.headers.get('x-rest-url') ?? ''
  const token = request.headers.get('x-rest-token') ?? ''
  const run = request.headers.get('x-run') ?? 'run'
  const redis = createHttpRedis({ url, token, timeoutMs: 5000 })
  try {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(2, '60 s'),
      prefix: `edge:${run}:rl`,
    })
    const limits: boolean[] = []
    for (let i = 0; i < 3; i++) limits.push((await limiter.limit('visitor')).success)

    const helpers = createCacheHelpers(redis)
    const stored = await helpers.setCache(
      `edge:${run}:page`,
      { at: new Date(0), tags: new Set(['a', 'b']) },
      60,
    )
    const page = await helpers.getCache<{ at: Date; tags: Set<string> }>(`edge:${run}:page`)

    const sessions = createSessionStore<{ userId: string; role: string }>({
      redis,
      prefix: `edge:${run}`,
    })
    const { token: sessionToken } = await sessions.create({ userId: 'u1', role: 'admin' })
    const session = await sessions.get(sessionToken)

    const flags = createCache({ redis, prefix: `edge:${run}` }).flags(`edge:${run}:beta`)
    await flags.enable('u1')
    const flag = { u1: await flags.isEnabled('u1'), u2: await flags.isEnabled('u2') }

    return Response.json({
      limits,
      stored,
      page: page && {
        at: page.at instanceof Date ? page.at.getTime() : null,
        tags: [...page.tags],
      },
      session: session && { userId: session.data.userId, role: session.data.role },
      flag,
      driver: redis.driver,
    })
  } catch (error) {
    return Response.json(
      { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
      { status: 500 },
    )
  } finally {
    await redis.close()
  }
}
