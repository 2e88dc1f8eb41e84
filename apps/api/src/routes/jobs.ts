import { createRoute, z } from '@hono/zod-openapi'
import { type App, type Services, withRedis } from '../context.ts'
import { ApiError, errors } from '../errors.ts'
import { jobTypes } from '../jobs/handlers.ts'
import type { Job } from '../jobs/queue.ts'
import { commonErrors, notFound, unavailable } from '../schemas.ts'

const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    payload: z.unknown(),
    state: z.enum(['queued', 'active', 'retrying', 'completed', 'dead']),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastError: z.string().nullable(),
    result: z.unknown(),
    createdAt: z.string(),
    updatedAt: z.string(),
    nextAttemptAt: z.string().nullable(),
  })
  .openapi('Job')

const toBody = (job: Job): z.infer<typeof JobSchema> => ({
  ...job,
  createdAt: new Date(job.createdAt).toISOString(),
  updatedAt: new Date(job.updatedAt).toISOString(),
  nextAttemptAt: job.nextAttemptAt === null ? null : new Date(job.nextAttemptAt).toISOString(),
})

const enqueue = createRoute({
  method: 'post',
  path: '/jobs',
  tags: ['jobs'],
  summary: 'Enqueue a job (LPUSH); the in-process worker takes it with LMOVE',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              type: z.enum(jobTypes),
              payload: z.unknown().optional(),
              maxAttempts: z.number().int().min(1).max(10).optional(),
            })
            .strict()
            .openapi('NewJob'),
        },
      },
    },
  },
  responses: {
    202: { description: 'Queued', content: { 'application/json': { schema: JobSchema } } },
    ...unavailable,
    ...commonErrors,
  },
})

const getJob = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  tags: ['jobs'],
  summary: "A job's state: queued, active, retrying, completed or dead",
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: JobSchema } } },
    ...notFound,
    ...unavailable,
    ...commonErrors,
  },
})

export function jobRoutes(app: App, { queue }: Services): void {
  const requireQueue = () => {
    if (!queue) throw new ApiError(503, errors.E_REDIS_UNAVAILABLE, 'The job queue needs Redis')
    return queue
  }

  app.openapi(enqueue, async (c) => {
    const q = requireQueue()
    const { type, payload, maxAttempts } = c.req.valid('json')
    const job = await withRedis(() =>
      q.enqueue(type, payload ?? null, maxAttempts === undefined ? {} : { maxAttempts }),
    )
    c.header('location', `/jobs/${job.id}`)
    return c.json(toBody(job), 202)
  })

  app.openapi(getJob, async (c) => {
    const q = requireQueue()
    const { id } = c.req.valid('param')
    const job = await withRedis(() => q.get(id))
    if (!job) throw new ApiError(404, errors.E_NOT_FOUND, `No job with id "${id}"`)
    return c.json(toBody(job), 200)
  })
}
