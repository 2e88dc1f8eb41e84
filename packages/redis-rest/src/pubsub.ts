import type { MessageListener, SubscriberConnection } from './backend'

export type SubscriptionKind = 'channel' | 'pattern'

/**
 * Fans one Redis subscriber connection out to every SSE stream, subscribing to a channel
 * or pattern on its first listener and unsubscribing on its last, so a stream that goes
 * away leaves no subscription behind. Changes run one at a time, in order.
 */
export class PubSubHub {
  readonly #connect: () => Promise<SubscriberConnection>
  #connection: Promise<SubscriberConnection> | undefined
  readonly #listeners = new Map<string, Set<MessageListener>>()
  #queue: Promise<unknown> = Promise.resolve()

  constructor(connect: () => Promise<SubscriberConnection>) {
    this.#connect = connect
  }

  /** Number of channels and patterns subscribed on Redis right now. */
  get size(): number {
    return this.#listeners.size
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run)
    this.#queue = result.catch(() => undefined)
    return result
  }

  #open(): Promise<SubscriberConnection> {
    if (!this.#connection) {
      this.#connection = this.#connect().then((connection) => {
        connection.onMessage((channel, message, pattern) => {
          const id = pattern === undefined ? `c:${channel}` : `p:${pattern}`
          for (const listener of this.#listeners.get(id) ?? []) listener(channel, message, pattern)
        })
        return connection
      })
      this.#connection.catch(() => {
        this.#connection = undefined
      })
    }
    return this.#connection
  }

  /** Resolves once Redis confirmed the subscription; the result removes the listener. */
  add(
    kind: SubscriptionKind,
    name: string,
    listener: MessageListener,
  ): Promise<() => Promise<void>> {
    const id = `${kind === 'channel' ? 'c' : 'p'}:${name}`
    return this.#serial(async () => {
      const connection = await this.#open()
      let set = this.#listeners.get(id)
      if (!set) {
        if (kind === 'channel') await connection.subscribe(name)
        else await connection.psubscribe(name)
        set = new Set()
        this.#listeners.set(id, set)
      }
      set.add(listener)
      let removed = false
      return () => {
        if (removed) return Promise.resolve()
        removed = true
        return this.#serial(async () => {
          const current = this.#listeners.get(id)
          if (!current) return
          current.delete(listener)
          if (current.size > 0) return
          this.#listeners.delete(id)
          if (kind === 'channel') await connection.unsubscribe(name)
          else await connection.punsubscribe(name)
        })
      }
    })
  }

  async close(): Promise<void> {
    this.#listeners.clear()
    const connection = this.#connection
    this.#connection = undefined
    if (connection) await (await connection.catch(() => undefined))?.close()
  }
}
