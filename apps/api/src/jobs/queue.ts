import { deserialize, type RedisClient, serialize } from '@hotpath/redis'
import { registry } from '../keys.ts'

export type JobState = 'queued' | 'active' | 'retrying' | 'completed' | 'dead'

export type Job = {
  id: string
  type: string
  payload: unknown
  state: JobState
  attempts: number
  maxAttempts: number
  lastError: string | null
  result: unknown
  createdAt: number
  updatedAt: number
  /** When a retrying job is due again (unix ms). */
  nextAttemptAt: number | null
}

export type QueueOptions = {
  redis: RedisClient
  /** @default 'default' */
  queue?: string
  /** Attempts before a job is dead-lettered. @default 3 */
  maxAttempts?: number
}

const QUEUE_DEFAULTS = { queue: 'default', maxAttempts: 3 } satisfies Omit<QueueOptions, 'redis'>

export function queueKeys(queue: string) {
  return {
    pending: registry.keys.jobPending({ queue }).key,
    processing: registry.keys.jobProcessing({ queue }).key,
    delayed: registry.keys.jobDelayed({ queue }).key,
    dead: registry.keys.jobDead({ queue }).key,
    job: (id: string) => registry.keys.job({ id }),
  }
}

function toJob(id: string, hash: Record<string, string>): Job | null {
  if (!hash.type) return null
  const decode = (raw: string | undefined) => {
    if (raw === undefined) return null
    const parsed = deserialize(raw)
    return parsed.ok ? parsed.value : null
  }
  return {
    id,
    type: hash.type,
    payload: decode(hash.payload),
    state: (hash.state ?? 'queued') as JobState,
    attempts: Number(hash.attempts ?? 0),
    maxAttempts: Number(hash.maxAttempts ?? 1),
    lastError: hash.lastError ?? null,
    result: decode(hash.result),
    createdAt: Number(hash.createdAt ?? 0),
    updatedAt: Number(hash.updatedAt ?? 0),
    nextAttemptAt: hash.nextAttemptAt ? Number(hash.nextAttemptAt) : null,
  }
}

/**
 * A list queue: LPUSH in, LMOVE to a processing list out (so a crashed worker loses nothing),
 * retries through a delayed sorted set, dead letters in their own list. Delivery is
 * at-least-once: handlers must tolerate a rerun.
 */
export function createJobQueue(options: QueueOptions) {
  const { redis, queue, maxAttempts } = { ...QUEUE_DEFAULTS, ...options }
  const keys = queueKeys(queue)

  return {
    keys,
    async enqueue(
      type: string,
      payload: unknown,
      overrides: { maxAttempts?: number } = {},
    ): Promise<Job> {
      const id = crypto.randomUUID()
      const now = Date.now()
      const ref = keys.job(id)
      const fields = {
        type,
        payload: serialize(payload),
        state: 'queued',
        attempts: '0',
        maxAttempts: String(overrides.maxAttempts ?? maxAttempts),
        createdAt: String(now),
        updatedAt: String(now),
      }
      // The hash first: a worker that pops the id must find the job.
      await redis.pipeline([
        ['HSET', ref.key, ...Object.entries(fields).flat()],
        ['EXPIRE', ref.key, ref.ttl ?? 86_400],
        ['LPUSH', keys.pending, id],
      ])
      return toJob(id, fields) as Job
    },

    async get(id: string): Promise<Job | null> {
      return toJob(id, await redis.hgetall(keys.job(id).key))
    },

    async counts() {
      const [pending, processing, delayed, dead] = await redis.pipeline([
        ['LLEN', keys.pending],
        ['LLEN', keys.processing],
        ['ZCARD', keys.delayed],
        ['LLEN', keys.dead],
      ])
      return {
        pending: Number(pending),
        processing: Number(processing),
        delayed: Number(delayed),
        dead: Number(dead),
      }
    },
  }
}

export type JobQueue = ReturnType<typeof createJobQueue>

export type JobHandler = (payload: unknown, context: { id: string; attempt: number }) => unknown

export type WorkerOptions = {
  redis: RedisClient
  handlers: Readonly<Record<string, JobHandler>>
  /** @default 'default' */
  queue?: string
  /** First retry delay; doubles per attempt. @default 200 */
  backoffMs?: number
  /** Sleep when the queue is empty. @default 100 */
  pollMs?: number
  /**
   * A job in the processing list longer than this belongs to a worker that died; it is put
   * back on the queue. @default 30000
   */
  visibilityTimeoutMs?: number
  /** Transport errors while polling (Redis down); the worker keeps polling. @default undefined */
  onError?: (error: unknown) => void
}

const WORKER_DEFAULTS = {
  queue: 'default',
  backoffMs: 200,
  pollMs: 100,
  visibilityTimeoutMs: 30_000,
} satisfies Omit<WorkerOptions, 'redis' | 'handlers'>

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** One in-process worker. `stop()` finishes the job in hand, then resolves. */
export function startWorker(options: WorkerOptions) {
  const settings = { ...WORKER_DEFAULTS, ...options }
  const { redis, handlers } = settings
  const keys = queueKeys(settings.queue)
  let stopped = false
  let wake: (() => void) | undefined
  let lastReap = 0

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  async function promoteDue(): Promise<void> {
    const due = await redis.zrangeWithScores(keys.delayed, 0, 49)
    const now = Date.now()
    for (const { member, score } of due) {
      if (score > now) break
      // ZREM decides which worker promotes it, so a job is never queued twice.
      if ((await redis.zrem(keys.delayed, member)) === 1) await redis.rpush(keys.pending, member)
    }
  }

  async function reapAbandoned(): Promise<void> {
    const now = Date.now()
    for (const id of await redis.lrange(keys.processing, 0, -1)) {
      const takenAt = Number((await redis.hget(keys.job(id).key, 'takenAt')) ?? 0)
      if (now - takenAt < settings.visibilityTimeoutMs) continue
      if ((await redis.lrem(keys.processing, 1, id)) === 1) await redis.rpush(keys.pending, id)
    }
  }

  async function run(id: string): Promise<void> {
    const ref = keys.job(id)
    const hash = await redis.hgetall(ref.key)
    const job = toJob(id, hash)
    if (!job) {
      await redis.lrem(keys.processing, 1, id) // expired record: nothing left to run
      return
    }
    const attempt = await redis.hincrby(ref.key, 'attempts', 1)
    const now = Date.now()
    await redis.hset(ref.key, { state: 'active', takenAt: String(now), updatedAt: String(now) })
    const handler = handlers[job.type]
    try {
      if (!handler) throw new Error(`no handler for job type "${job.type}"`)
      const result = await handler(job.payload, { id, attempt })
      await redis.pipeline([
        [
          'HSET',
          ref.key,
          'state',
          'completed',
          'result',
          serialize(result ?? null),
          'updatedAt',
          Date.now(),
        ],
        ['HDEL', ref.key, 'nextAttemptAt'],
        ['LREM', keys.processing, 1, id],
      ])
    } catch (error) {
      const failedAt = Date.now()
      if (attempt >= job.maxAttempts) {
        await redis.pipeline([
          [
            'HSET',
            ref.key,
            'state',
            'dead',
            'lastError',
            errorMessage(error),
            'updatedAt',
            failedAt,
          ],
          ['HDEL', ref.key, 'nextAttemptAt'],
          ['LPUSH', keys.dead, id],
          ['LREM', keys.processing, 1, id],
        ])
        return
      }
      const due = failedAt + settings.backoffMs * 2 ** (attempt - 1)
      await redis.pipeline([
        [
          'HSET',
          ref.key,
          'state',
          'retrying',
          'lastError',
          errorMessage(error),
          'updatedAt',
          failedAt,
          'nextAttemptAt',
          due,
        ],
        ['ZADD', keys.delayed, due, id],
        ['LREM', keys.processing, 1, id],
      ])
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        if (Date.now() - lastReap >= settings.visibilityTimeoutMs) {
          lastReap = Date.now()
          await reapAbandoned()
        }
        await promoteDue()
        const id = await redis.lmove(keys.pending, keys.processing, 'RIGHT', 'LEFT')
        if (id === null) {
          await sleep(settings.pollMs)
          continue
        }
        await run(id)
      } catch (error) {
        settings.onError?.(error)
        if (!stopped) await sleep(settings.pollMs * 5)
      }
    }
  }

  const done = loop()
  return {
    async stop(): Promise<void> {
      stopped = true
      wake?.()
      await done
    },
  }
}

export type Worker = ReturnType<typeof startWorker>
