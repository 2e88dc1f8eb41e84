import { OpenAPIHono } from '@hono/zod-openapi'
import { createCache } from '@hotpath/cache'
import { Ratelimit, type RatelimitResponse } from '@hotpath/ratelimit'
import { rateLimiter } from '@hotpath/ratelimit/hono'
import type { RedisClient } from '@hotpath/redis'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { type ApiConfig, loadConfig } from './config.ts'
import type { App, AppEnv, Services } from './context.ts'
import type { Store } from './db/store.ts'
import { ApiError, errorBody, errors, sendError } from './errors.ts'
import { createIdentityResolver, type Identity } from './identity.ts'
import { createJobQueue } from './jobs/queue.ts'
import { registry } from './keys.ts'
import { eventRoutes } from './routes/events.ts'
import { jobRoutes } from './routes/jobs.ts'
import { leaderboardRoutes } from './routes/leaderboard.ts'
import { meRoutes } from './routes/me.ts'
import { productRoutes } from './routes/products.ts'
import { systemRoutes } from './routes/system.ts'

export type AppDeps = {
  /** Any hotpath driver; null runs the API without Redis (no cache, limits, queue or events). */
  redis: RedisClient | null
  store: Store
  /** @default loadConfig() over an empty environment: the embedded defaults */
  config?: ApiConfig
}

/** Probes must see the service's state, not the prober's quota. */
const UNLIMITED_ROUTES = new Set(['/health'])

/** Routes that reveal or mint credentials: their own, stricter limiter. */
const AUTH_ROUTES = new Set(['/me', '/api-keys'])

/** The rate-limit identity: the user or the API key's owner; anonymous callers by address. */
function limitKey(identity: Identity): string | undefined {
  if (identity.kind === 'user') return `user:${identity.userId}`
  if (identity.kind === 'apiKey') return `key:${identity.userId}`
  return undefined
}

function limitedResponse(c: Context, result: RatelimitResponse): Response {
  // A closed limiter that could not ask Redis is an outage, not the caller's fault.
  if (result.reason === 'error' || result.reason === 'timeout') {
    return c.json(
      errorBody(
        errors.E_REDIS_UNAVAILABLE,
        'Rate limit store unreachable; this route fails closed',
      ),
      503,
    )
  }
  const retryAfter = Math.max(1, Math.ceil((result.reset - Date.now()) / 1000))
  return c.json(
    errorBody(
      errors.E_RATE_LIMITED,
      `Rate limit of ${result.limit} exceeded; retry in ${retryAfter} s`,
      {
        limit: result.limit,
        remaining: result.remaining,
        reset: result.reset,
        ...(result.reason ? { reason: result.reason } : {}),
      },
    ),
    429,
  )
}

/**
 * The whole API as a Hono app, with no side effects: nothing listens and no worker runs
 * (see `main.ts`), so tests drive it with `app.request()`.
 */
export function createApp(deps: AppDeps): App {
  const config = deps.config ?? loadConfig({})
  const { redis, store } = deps
  const cache = createCache({ redis, registry })
  const services: Services = {
    redis,
    store,
    cache,
    config,
    queue: redis ? createJobQueue({ redis, maxAttempts: config.jobs.maxAttempts }) : null,
  }

  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return
      const details = result.error.issues.map((issue) => ({
        path: [result.target, ...issue.path.map(String)].join('.'),
        code: issue.code,
        message: issue.message,
      }))
      const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ')
      return c.json(errorBody(errors.E_VALIDATION, `Invalid request: ${summary}`, details), 400)
    },
  })

  app.onError((error, c) => {
    if (error instanceof ApiError) return sendError(c, error)
    if (error instanceof HTTPException && error.status === 400) {
      return sendError(c, new ApiError(400, errors.E_VALIDATION, error.message, { cause: error }))
    }
    console.error('unhandled error', error)
    return c.json(errorBody(errors.E_INTERNAL, 'Internal error'), 500)
  })
  app.notFound((c) =>
    c.json(errorBody(errors.E_NOT_FOUND, `No route for ${c.req.method} ${c.req.path}`), 404),
  )

  // Who is calling, before any limit: the limit follows the caller, not just the address.
  const resolveIdentity = createIdentityResolver({
    redis,
    store,
    cache,
    authSecret: config.authSecret,
    ...(config.cookiePrefix ? { cookiePrefix: config.cookiePrefix } : {}),
    ...(config.sessionStoragePrefix !== undefined
      ? { storagePrefix: config.sessionStoragePrefix }
      : {}),
  })
  app.use('*', async (c, next) => {
    const { identity, error } = await resolveIdentity(c)
    c.set('identity', identity)
    c.set('credentialError', error)
    await next()
  })

  if (redis) {
    const { limits } = config
    const general = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(limits.anonymous.limit, limits.anonymous.window),
      prefix: 'api:rl',
      timeout: limits.timeoutMs,
      failureMode: 'open',
    })
    const generalLimiter = rateLimiter({
      ratelimit: general,
      trustedProxy: config.trustedProxies,
      policy: 'api',
      key: (c) => limitKey(c.get('identity') as Identity),
      limitOptions: (c) => {
        const identity = c.get('identity') as Identity
        if (identity.kind === 'user') return { limit: limits.user.limit }
        if (identity.kind === 'apiKey') {
          const rule = limits.apiKeyByTier[identity.tier] ?? limits.apiKeyByTier.free
          return rule ? { limit: rule.limit } : {}
        }
        return {}
      },
      onLimited: limitedResponse,
    })
    // Routes that reveal or mint credentials: a tight budget, and closed when Redis is down.
    const auth = rateLimiter({
      ratelimit: new Ratelimit({
        redis,
        limiter: Ratelimit.fixedWindow(limits.auth.limit, limits.auth.window),
        prefix: 'api:rl-auth',
        timeout: limits.timeoutMs,
        failureMode: 'closed',
      }),
      trustedProxy: config.trustedProxies,
      policy: 'auth',
      key: (c) => limitKey(c.get('identity') as Identity),
      onLimited: limitedResponse,
    })
    // One limiter per request, so its headers are the ones the caller sees.
    app.use('*', (c, next) => {
      if (UNLIMITED_ROUTES.has(c.req.path)) return next()
      return AUTH_ROUTES.has(c.req.path) ? auth(c, next) : generalLimiter(c, next)
    })
  }

  // A bad API key is refused only after the limiter counted it, so guessing keys costs quota.
  app.use('*', async (c, next) => {
    const error = c.get('credentialError')
    if (error) throw error
    await next()
  })

  systemRoutes(app, services)
  productRoutes(app, services)
  leaderboardRoutes(app, services)
  jobRoutes(app, services)
  eventRoutes(app, services)
  meRoutes(app, services)

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'http',
    scheme: 'bearer',
    description: "Better Auth session token (or the web app's session cookie)",
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'hotpath API',
      version: '0.0.0',
      description:
        'Every hotpath package behind a plain HTTP API: cache-aside with tags, rate limits, Better Auth sessions, a Redis job queue and pub/sub.',
    },
  })
  return app
}
