import type { RedisClient } from '@hotpath/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../src/context.ts'
import type { Store } from '../src/db/store.ts'
import { jobHandlers } from '../src/jobs/handlers.ts'
import { type Job, queueKeys, startWorker, type Worker } from '../src/jobs/queue.ts'
import { build, call, connect, type Driver, freshIp, openTestStore } from './helpers.ts'

let store: Store
beforeAll(async () => {
  store = await openTestStore()
})
afterAll(async () => {
  await store.close()
})

async function waitFor(app: App, id: string, done: (job: Job) => boolean): Promise<Job> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const res = await call(app, `/jobs/${id}`, { ip: freshIp() })
    const job = (await res.json()) as Job
    if (done(job)) return job
    if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${job.state}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.each<Driver>(['tcp', 'upstash'])('jobs over %s', (driver) => {
  let redis: RedisClient
  let close: () => Promise<void>
  let app: App
  let worker: Worker

  beforeAll(async () => {
    ;({ redis, close } = await connect(driver))
    app = build(redis, store)
    worker = startWorker({ redis, handlers: jobHandlers, backoffMs: 20, pollMs: 20 })
  })
  afterAll(async () => {
    await worker.stop()
    await close()
  })

  const enqueue = async (body: unknown) => {
    const res = await call(app, '/jobs', { method: 'POST', json: body, ip: freshIp() })
    expect(res.status).toBe(202)
    const job = (await res.json()) as Job
    expect(res.headers.get('location')).toBe(`/jobs/${job.id}`)
    return job
  }

  it('runs a queued job and records its result', async () => {
    const job = await enqueue({ type: 'echo', payload: { hello: 'world' } })
    expect(job.state).toBe('queued')
    const done = await waitFor(app, job.id, (j) => j.state === 'completed')
    expect(done).toMatchObject({ attempts: 1, result: { hello: 'world' }, lastError: null })
  })

  it('retries a failing job and completes it when an attempt succeeds', async () => {
    const job = await enqueue({ type: 'flaky', payload: { failTimes: 2 }, maxAttempts: 3 })
    const done = await waitFor(app, job.id, (j) => j.state === 'completed' || j.state === 'dead')
    expect(done.state).toBe('completed')
    expect(done.attempts).toBe(3)
    expect(done.result).toEqual({ succeededOnAttempt: 3 })
    expect(done.lastError).toMatch(/attempt 2/)
  })

  it('moves a job to the dead-letter list after its last attempt', async () => {
    const job = await enqueue({ type: 'fail', maxAttempts: 2 })
    const dead = await waitFor(app, job.id, (j) => j.state === 'dead')
    expect(dead.attempts).toBe(2)
    expect(dead.lastError).toBe('this job always fails')
    const keys = queueKeys('default')
    expect(await redis.lrange(keys.dead, 0, -1)).toContain(job.id)
    expect(await redis.lrange(keys.processing, 0, -1)).not.toContain(job.id)
  })
})

describe('jobs: reliability and bad requests', () => {
  let redis: RedisClient
  let close: () => Promise<void>
  let app: App
  beforeAll(async () => {
    ;({ redis, close } = await connect('tcp'))
    app = build(redis, store)
  })
  afterAll(async () => {
    await close()
  })

  it('puts back a job whose worker died mid-run (LMOVE left it in the processing list)', async () => {
    const queue = `crash-${Date.now()}`
    const keys = queueKeys(queue)
    const { createJobQueue } = await import('../src/jobs/queue.ts')
    const job = await createJobQueue({ redis, queue }).enqueue('echo', 'survivor')
    // a worker takes it and dies before finishing
    expect(await redis.lmove(keys.pending, keys.processing, 'RIGHT', 'LEFT')).toBe(job.id)
    await redis.hset(keys.job(job.id).key, {
      state: 'active',
      takenAt: String(Date.now() - 60_000),
    })
    const worker = startWorker({
      redis,
      queue,
      handlers: jobHandlers,
      pollMs: 20,
      visibilityTimeoutMs: 1_000,
    })
    try {
      const deadline = Date.now() + 15_000
      let state = ''
      while (state !== 'completed' && Date.now() < deadline) {
        state = (await redis.hget(keys.job(job.id).key, 'state')) ?? ''
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(state).toBe('completed')
      expect(await redis.llen(keys.processing)).toBe(0)
    } finally {
      await worker.stop()
    }
  })

  it('an unknown job type is a 400 naming the allowed types', async () => {
    const res = await call(app, '/jobs', {
      method: 'POST',
      json: { type: 'mine-bitcoin' },
      ip: freshIp(),
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('E_VALIDATION')
    expect(body.error.message).toMatch(/echo/)
  })

  it('GET /jobs/:id is a 404 for an id never queued and a 400 for one that is not a uuid', async () => {
    const missing = await call(app, `/jobs/${crypto.randomUUID()}`, { ip: freshIp() })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: 'E_NOT_FOUND' } })
    const bad = await call(app, '/jobs/42', { ip: freshIp() })
    expect(bad.status).toBe(400)
  })
})
