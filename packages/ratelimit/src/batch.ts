import { type Command, type RedisClient, runScript, type Script } from '@hotpath/redis'

export type BatchRedis = Pick<RedisClient, 'eval' | 'evalsha' | 'pipeline'>

/** runScript() (EVALSHA, EVAL on NOSCRIPT) over the narrow seam. */
export function evalScript(
  redis: Pick<RedisClient, 'eval' | 'evalsha'>,
  script: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return runScript(redis, script, keys, args)
}

type Queued = {
  script: Script
  keys: string[]
  args: (string | number)[]
  resolve(value: unknown): void
  reject(error: unknown): void
}

/**
 * Over HTTP a round trip is a request, and concurrent limit() calls each paying one is what
 * makes a REST backend slow. Calls made in the same microtask turn are sent as one pipeline:
 * still at most one round trip per limit(), shared. A lone call keeps EVALSHA with the EVAL
 * fallback.
 *
 * A failed pipeline answers no command individually, so a NOSCRIPT inside one is never
 * retried: some commands of the batch may have run, and a retry could count them twice.
 * Batches therefore send EVALSHA only for scripts this process has seen Redis run; a batch
 * that still meets NOSCRIPT (restart, failover, SCRIPT FLUSH) fails as a whole, through
 * `failureMode`, and the next batches send EVAL until the script is known again.
 */
export class ScriptBatcher {
  readonly #redis: BatchRedis
  #queue: Queued[] = []
  /** SHA1s Redis has answered for; cleared on NOSCRIPT. */
  readonly #loaded = new Set<string>()

  constructor(redis: BatchRedis) {
    this.#redis = redis
  }

  run(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ script, keys, args, resolve, reject })
      if (this.#queue.length === 1) queueMicrotask(() => this.#flush())
    })
  }

  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    const [only] = batch
    if (batch.length === 1 && only) {
      evalScript(this.#redis, only.script, only.keys, only.args).then((reply) => {
        this.#loaded.add(only.script.sha1)
        only.resolve(reply)
      }, only.reject)
      return
    }
    const commands = batch.map((call): Command => {
      const { keys, args, script } = call
      return this.#loaded.has(script.sha1)
        ? ['EVALSHA', script.sha1, keys.length, ...keys, ...args]
        : ['EVAL', script.source, keys.length, ...keys, ...args]
    })
    this.#redis.pipeline(commands).then(
      (replies) => {
        for (const [index, call] of batch.entries()) {
          this.#loaded.add(call.script.sha1)
          call.resolve(replies[index])
        }
      },
      (error: unknown) => {
        if (String(error instanceof Error ? error.message : error).includes('NOSCRIPT')) {
          this.#loaded.clear()
        }
        for (const call of batch) call.reject(error)
      },
    )
  }
}
