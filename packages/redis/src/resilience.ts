import type { Emitter } from './emitter'
import { errors, isTransportError, RedisError } from './errors'
import type { BreakerState, ClientEvents } from './types'

export type ResilienceOptions = {
  /**
   * Milliseconds before one attempt of a call fails with `E_TIMEOUT`. Checked on a shared
   * timer, so the rejection arrives within a quarter of this past the deadline. @default 1000
   */
  timeoutMs?: number
  /** Extra attempts for idempotent commands after a transport error (connection, timeout). @default 2 */
  retries?: number
  /** First retry delay in ms; doubles per attempt. @default 25 */
  retryBackoffMs?: number
  /** Consecutive transport failures that open the circuit breaker. @default 5 */
  breakerThreshold?: number
  /** Milliseconds the breaker stays open before one probe call is let through. @default 5000 */
  breakerResetMs?: number
}

export const RESILIENCE_DEFAULTS = {
  timeoutMs: 1000,
  retries: 2,
  retryBackoffMs: 25,
  breakerThreshold: 5,
  breakerResetMs: 5000,
} satisfies Required<ResilienceOptions>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Pending = { deadline: number; name: string; fail: (error: RedisError) => void }

export type ResilienceHooks = {
  /** Turns whatever a transport rejected with into a RedisError. */
  toError: (error: unknown, name: string) => RedisError
  /** Counts and announces a failure the caller is about to see. */
  report: (error: RedisError, name: string) => void
}

const identity = <T>(value: unknown): T => value as T

/**
 * Timeout, retry and circuit breaker around every call. Only transport failures count
 * against the breaker: a WRONGTYPE reply proves Redis is alive.
 *
 * The hot path is one wrapper promise and a Set entry, and the reply is shaped inside it:
 * on a fast connection a timer or an extra promise per call costs a measurable share of a
 * GET, so one timer sweeps expired calls and nothing else is chained.
 */
export class Resilience {
  readonly #options: Required<ResilienceOptions>
  readonly #events: Emitter<ClientEvents>
  readonly #hooks: ResilienceHooks
  readonly #pending = new Set<Pending>()
  #sweeper: ReturnType<typeof setTimeout> | undefined
  #state: BreakerState = 'closed'
  #failures = 0
  #openedAt = 0
  #probing = false

  constructor(options: ResilienceOptions, events: Emitter<ClientEvents>, hooks: ResilienceHooks) {
    this.#options = { ...RESILIENCE_DEFAULTS, ...options }
    this.#events = events
    this.#hooks = hooks
  }

  get state(): BreakerState {
    if (this.#state === 'open' && Date.now() - this.#openedAt >= this.#options.breakerResetMs) {
      return 'half-open'
    }
    return this.#state
  }

  /** Runs `attempt` under the policy; `shape` turns the raw reply into the caller's type. */
  run<R, T = R>(
    name: string,
    idempotent: boolean,
    attempt: () => Promise<R>,
    shape: (reply: R) => T = identity,
  ): Promise<T> {
    let probe = false
    if (this.#state !== 'closed') {
      try {
        probe = this.#admit(name)
      } catch (error) {
        const mapped = this.#hooks.toError(error, name)
        this.#hooks.report(mapped, name)
        return Promise.reject(mapped)
      }
    }
    return new Promise<T>((resolve, reject) => {
      const failed = (error: unknown) => {
        if (probe) this.#probing = false
        this.#recover(error, name, idempotent && !probe, attempt, 0).then(
          (value) => resolve(shape(value as R)),
          reject,
        )
      }
      const entry: Pending = { deadline: Date.now() + this.#options.timeoutMs, name, fail: failed }
      this.#pending.add(entry)
      if (this.#sweeper === undefined) this.#arm()
      let sent: Promise<R>
      try {
        sent = attempt()
      } catch (error) {
        sent = Promise.reject(error)
      }
      sent.then(
        (value) => {
          // A call the sweeper already failed stays failed.
          if (!this.#pending.delete(entry)) return
          if (probe) this.#probing = false
          if (this.#failures !== 0 || this.#state !== 'closed') this.#succeeded()
          resolve(shape(value))
        },
        (error: unknown) => {
          if (this.#pending.delete(entry)) failed(error)
        },
      )
    })
  }

  async #recover(
    error: unknown,
    name: string,
    retryable: boolean,
    attempt: () => Promise<unknown>,
    tries: number,
  ): Promise<unknown> {
    const mapped = this.#hooks.toError(error, name)
    if (!isTransportError(mapped)) {
      this.#succeeded()
      this.#hooks.report(mapped, name)
      throw mapped
    }
    if (!retryable || tries >= this.#options.retries || this.#state !== 'closed') {
      this.#failed()
      this.#hooks.report(mapped, name)
      throw mapped
    }
    await sleep(this.#options.retryBackoffMs * 2 ** tries)
    try {
      const value = await this.#once(name, attempt)
      this.#succeeded()
      return value
    } catch (next) {
      return this.#recover(next, name, retryable, attempt, tries + 1)
    }
  }

  /** Returns true when this call is the half-open probe; throws E_CIRCUIT_OPEN otherwise. */
  #admit(name: string): boolean {
    if (this.state === 'half-open' && !this.#probing) {
      if (this.#state !== 'half-open') {
        this.#state = 'half-open'
        this.#events.emit('breaker:half-open', {})
      }
      this.#probing = true
      return true
    }
    throw new RedisError(
      errors.E_CIRCUIT_OPEN,
      `Redis circuit breaker is open after ${this.#failures} consecutive failures; ${name} was not sent. It lets one probe through ${this.#options.breakerResetMs} ms after opening.`,
      { command: name },
    )
  }

  #succeeded(): void {
    this.#failures = 0
    if (this.#state !== 'closed') {
      this.#state = 'closed'
      this.#events.emit('breaker:close', {})
    }
  }

  #failed(): void {
    this.#failures++
    if (
      this.#state === 'half-open' ||
      (this.#state === 'closed' && this.#failures >= this.#options.breakerThreshold)
    ) {
      this.#state = 'open'
      this.#openedAt = Date.now()
      this.#events.emit('breaker:open', { failures: this.#failures })
    }
  }

  /** One timed attempt without the policy, for retries. */
  #once(name: string, attempt: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { deadline: Date.now() + this.#options.timeoutMs, name, fail: reject }
      this.#pending.add(entry)
      if (this.#sweeper === undefined) this.#arm()
      attempt().then(
        (value) => {
          if (this.#pending.delete(entry)) resolve(value)
        },
        (error: unknown) => {
          if (this.#pending.delete(entry)) reject(error)
        },
      )
    })
  }

  #arm(): void {
    const every = Math.max(5, Math.ceil(this.#options.timeoutMs / 4))
    this.#sweeper = setTimeout(() => {
      this.#sweeper = undefined
      const now = Date.now()
      for (const entry of this.#pending) {
        if (entry.deadline > now) continue
        this.#pending.delete(entry)
        entry.fail(
          new RedisError(
            errors.E_TIMEOUT,
            `${entry.name} did not answer within ${this.#options.timeoutMs} ms`,
            { command: entry.name },
          ),
        )
      }
      // Idle clients keep no timer, so they never hold the process open.
      if (this.#pending.size > 0) this.#arm()
    }, every)
  }
}
