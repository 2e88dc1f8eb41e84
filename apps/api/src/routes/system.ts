import { createRoute, z } from '@hono/zod-openapi'
import { checkHealth } from '@hotpath/redis'
import type { App, Services } from '../context.ts'
import { commonErrors } from '../schemas.ts'

const Colour = z.enum(['green', 'yellow', 'red'])

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    redis: z.object({
      status: Colour,
      latencyMs: z.number(),
      driver: z.string(),
      breaker: z.enum(['closed', 'open', 'half-open']),
      error: z.string().optional(),
    }),
    database: z.object({
      status: Colour,
      latencyMs: z.number().nullable(),
      kind: z.string(),
    }),
  })
  .openapi('Health')

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['system'],
  summary: 'Redis and database health. 200 even when Redis is red: the API still answers.',
  responses: {
    200: { description: 'Health', content: { 'application/json': { schema: HealthSchema } } },
    ...commonErrors,
  },
})

const colourOf = (ms: number): z.infer<typeof Colour> =>
  ms < 50 ? 'green' : ms <= 150 ? 'yellow' : 'red'

export function systemRoutes(app: App, { redis, store }: Services): void {
  app.openapi(health, async (c) => {
    const [cacheHealth, database] = await Promise.all([
      checkHealth(redis),
      (async () => {
        const started = performance.now()
        try {
          await store.ping()
          const ms = Math.round((performance.now() - started) * 10) / 10
          return { status: colourOf(ms), latencyMs: ms, kind: store.kind }
        } catch {
          return { status: 'red' as const, latencyMs: null, kind: store.kind }
        }
      })(),
    ])
    const status = cacheHealth.status === 'red' || database.status === 'red' ? 'degraded' : 'ok'
    return c.json({ status, redis: cacheHealth, database }, 200)
  })

  app.get('/', (c) => c.json({ name: 'hotpath api', openapi: '/openapi.json', health: '/health' }))
}
