import type { RedisError } from '../errors'
import type { MessageHandler, Unsubscribe } from '../types'

/** What a subscriber connection must offer: ioredis and ioredis-mock both do. */
export type SubscriberConnection = {
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): void
}

/**
 * Several subscriptions share one dedicated connection, opened on first use: a subscribed
 * connection cannot send commands. Each channel is subscribed once, however many handlers.
 */
export function subscriptions(
  open: () => SubscriberConnection,
  toError: (error: unknown, command: string) => RedisError,
) {
  let connection: SubscriberConnection | undefined
  const handlers = new Map<string, Set<MessageHandler>>()
  const ensure = () => {
    if (connection) return connection
    const created = open()
    created.on('error', () => {})
    created.on('message', (channel: string, message: string) => {
      for (const handler of handlers.get(channel) ?? []) handler(message, channel)
    })
    connection = created
    return created
  }
  return {
    async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
      const conn = ensure()
      let set = handlers.get(channel)
      if (!set) {
        set = new Set()
        handlers.set(channel, set)
        try {
          await conn.subscribe(channel)
        } catch (error) {
          handlers.delete(channel)
          throw toError(error, 'SUBSCRIBE')
        }
      }
      set.add(handler)
      let done = false
      return async () => {
        if (done) return
        done = true
        const current = handlers.get(channel)
        current?.delete(handler)
        if (current && current.size === 0) {
          handlers.delete(channel)
          await conn.unsubscribe(channel).catch(() => {})
        }
      }
    },
    async close() {
      handlers.clear()
      if (connection) await connection.quit().catch(() => connection?.disconnect())
    },
  }
}
