import { isIdempotent } from './commands'
import type { Emitter } from './emitter'
import { errors, isTransportError, RedisError } from './errors'
import type { Sender, Started } from './transports/transport'
import type { BreakerState, ClientEvents, Command } from './types'

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
  /** Milliseconds the breaker stays open before one probe call is let through. @default 1000 */
  breakerResetMs?: number
}

export const RESILIENCE_DEFAULTS = {
  timeoutMs: 1000,
  retries: 2,
  retryBackoffMs: 25,
  breakerThreshold: 5,
  breakerResetMs: 1000,
} satisfies Required<ResilienceOptions>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One call waiting for its reply; `done` once it settled or timed out. */
class Pending {
  done = false
  constructor(
    readonly deadline: number,
    readonly name: string,
    readonly fail: (error: unknown) => void,
  ) {}
}

/**
 * The calls in flight, oldest first. One client has one timeout, so deadlines grow in
 * insertion order and the sweep stops at the first call that still has time. Settling
 * marks a call done and drops done calls from the front: a push and a flag per call, where
 * a Set cost a hash-table insert and delete (about a microsecond, a measurable share of a
 * local GET).
 */
class InFlight {
  readonly #timeoutMs: number
  #calls: Pending[] = []
  #head = 0
  #last = 0

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
  }

  get size(): number {
    return this.#calls.length - this.#head
  }

  /**
   * Tracks a call starting now. Its deadline comes from Date.now(), cheaper than
   * performance.now() (a measurable share of a call); deadlines never decrease, so a clock
   * stepped backwards cannot put a later call before an earlier one.
   */
  start(name: string, fail: (error: unknown) => void, now = Date.now()): Pending {
    this.#last = Math.max(this.#last, now + this.#timeoutMs)
    const call = new Pending(this.#last, name, fail)
    this.#calls.push(call)
    return call
  }

  /** Marks the call settled; false when it already was (the sweeper failed it first). */
  settle(call: Pending): boolean {
    if (call.done) return false
    call.done = true
    this.#compact()
    return true
  }

  /** Takes out the calls whose deadline passed, oldest first. */
  expire(now: number): Pending[] {
    const expired: Pending[] = []
    for (let i = this.#head; i < this.#calls.length; i++) {
      const call = this.#calls[i] as Pending
      if (call.done) continue
      if (call.deadline > now) break
      call.done = true
      expired.push(call)
    }
    this.#compact()
    return expired
  }

  #compact(): void {
    const calls = this.#calls
    while (this.#head < calls.length && (calls[this.#head] as Pending).done) this.#head++
    if (this.#head === calls.length) {
      // Keep the backing store (a fresh array per call, on a client used one call at a time,
      // was an allocation per call) and empty it by pops: an inlined builtin, where setting
      // `length` is a runtime call that showed in a GET's profile.
      while (calls.length > 0) calls.pop()
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= calls.length) {
      // a slow call at the front holds settled ones behind it: drop them in one go
      this.#calls = calls.slice(this.#head)
      this.#head = 0
    }
  }
}

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
 * The hot path is a queue entry and one `then` on the transport's own promise where the
 * transport can fail a command itself (`runStarted`), else one wrapper promise (`run`); the
 * reply is shaped inside it. On a fast connection a timer or an extra promise per call costs
 * a measurable share of a GET, so one timer sweeps expired calls and nothing else is chained.
 */
export class Resilience {
  readonly #options: Required<ResilienceOptions>
  readonly #events: Emitter<ClientEvents>
  readonly #hooks: ResilienceHooks
  readonly #pending: InFlight
  #sweeper: ReturnType<typeof setTimeout> | undefined
  #state: BreakerState = 'closed'
  #failures = 0
  #openedAt = 0
  #probing = false

  constructor(options: ResilienceOptions, events: Emitter<ClientEvents>, hooks: ResilienceHooks) {
    this.#options = { ...RESILIENCE_DEFAULTS, ...options }
    this.#pending = new InFlight(this.#options.timeoutMs)
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
    // No named closures per call: they cost a function object each, and more under tools that
    // keep function names (tsx, esbuild keepNames).
    return new Promise<T>((resolve, reject) => {
      const entry = this.#track(name, (error) => {
        if (probe) this.#probing = false
        this.#recover(error, name, idempotent && !probe, attempt, 0).then(
          (value) => resolve(shape(value as R)),
          reject,
        )
      })
      let sent: Promise<R>
      try {
        sent = attempt()
      } catch (error) {
        sent = Promise.reject(error)
      }
      sent.then(
        (value) => {
          // A call the sweeper already failed stays failed.
          if (!this.#pending.settle(entry)) return
          if (probe) this.#probing = false
          if (this.#failures !== 0 || this.#state !== 'closed') this.#succeeded()
          resolve(shape(value))
        },
        (error: unknown) => {
          if (this.#pending.settle(entry)) entry.fail(error)
        },
      )
    })
  }

  /**
   * `run` for a command the transport already sent and can fail itself (`Transport.start`):
   * the reply's own promise is chained once, and at the deadline the sweeper rejects the
   * command instead of a wrapper promise. Only while the breaker is closed; a retry goes
   * through `send`.
   */
  runStarted<T>(
    started: Started,
    command: Command,
    send: Sender,
    shape: (reply: unknown) => T = identity,
    now?: number,
  ): Promise<T> {
    const name = command[0]
    // The sweeper fails entries only with a RedisError, so an Error-taking reject fits.
    const entry = this.#track(name, started.reject as (error: unknown) => void, now)
    return started.promise.then(
      (value) => {
        this.#pending.settle(entry)
        if (this.#failures !== 0) this.#succeeded()
        return shape(value)
      },
      (error: unknown) => {
        this.#pending.settle(entry)
        const retry = () => send(command)
        return this.#recover(error, name, isIdempotent(command), retry, 0).then(shape)
      },
    )
  }

  /**
   * The transport's connection is ready again: an open breaker lets its probe through now.
   * Without this, a tcp client whose probe fell between reconnect attempts waited another
   * `breakerResetMs` after Redis was back (1.06 s to the first hit in the outage bench).
   */
  reconnected(): void {
    if (this.#state === 'open') this.#openedAt = 0
  }

  /** Whether calls go straight through (no open or half-open breaker to ask). */
  get closed(): boolean {
    return this.#state === 'closed'
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
    // Retries are for a blip. Once a call has failed for good (`#failures > 0`, reset by any
    // answer), the path to Redis is down, not blipping: the calls behind it fail at once and
    // count toward the breaker, so under an outage only the first call pays the retry delays
    // (25 + 50 ms by default) and the breaker opens within about 100 ms, not 400.
    if (
      !retryable ||
      tries >= this.#options.retries ||
      this.#state !== 'closed' ||
      this.#failures > 0
    ) {
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
      const entry = this.#track(name, reject)
      attempt().then(
        (value) => {
          if (this.#pending.settle(entry)) resolve(value)
        },
        (error: unknown) => {
          if (this.#pending.settle(entry)) reject(error)
        },
      )
    })
  }

  /** Starts the clock on a call; the sweeper runs while any call is in flight. */
  #track(name: string, fail: (error: unknown) => void, now?: number): Pending {
    const entry = this.#pending.start(name, fail, now)
    if (this.#sweeper === undefined) this.#arm()
    return entry
  }

  #arm(): void {
    const every = Math.max(5, Math.ceil(this.#options.timeoutMs / 4))
    this.#sweeper = setTimeout(() => {
      this.#sweeper = undefined
      for (const entry of this.#pending.expire(Date.now())) {
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
