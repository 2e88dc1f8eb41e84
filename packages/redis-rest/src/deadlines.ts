import { errors, RestServerError } from './errors'

/**
 * Request timeouts on one shared timer instead of a timer per request: the hot path only
 * adds and removes a set entry. A late request fails within a quarter of the timeout (at
 * most 250 ms) past its deadline.
 */
export class Deadlines {
  readonly #timeoutMs: number
  readonly #pending = new Set<{ deadline: number; fail: () => void }>()
  #timer: NodeJS.Timeout | undefined

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
  }

  run<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = {
        deadline: performance.now() + this.#timeoutMs,
        fail: () =>
          reject(
            new RestServerError(
              errors.E_TIMEOUT,
              `ERR redis did not answer within ${this.#timeoutMs} ms`,
            ),
          ),
      }
      this.#pending.add(entry)
      this.#schedule()
      work.then(
        (value) => {
          this.#pending.delete(entry)
          resolve(value)
        },
        (error: unknown) => {
          this.#pending.delete(entry)
          reject(error)
        },
      )
    })
  }

  #schedule(): void {
    if (this.#timer) return
    const every = Math.max(1, Math.min(250, Math.floor(this.#timeoutMs / 4)))
    this.#timer = setInterval(() => {
      const now = performance.now()
      for (const entry of this.#pending) {
        if (entry.deadline > now) continue
        this.#pending.delete(entry)
        entry.fail()
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
    }, every)
    this.#timer.unref()
  }
}
