import { createRoute, z } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { type App, requireRedis, type Services, withRedis } from '../context.ts'
import { registry } from '../keys.ts'
import { commonErrors, unavailable } from '../schemas.ts'

const Channel = z
  .string()
  .regex(/^[a-z0-9:_-]{1,64}$/, 'lower-case letters, digits, :, _ and -, at most 64')

const publish = createRoute({
  method: 'post',
  path: '/events',
  tags: ['events'],
  summary: 'Publish a JSON message on a channel (PUBLISH)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ channel: Channel, data: z.unknown() }).strict().openapi('Event'),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Published; `receivers` is how many subscribers Redis reached',
      content: {
        'application/json': { schema: z.object({ channel: z.string(), receivers: z.number() }) },
      },
    },
    ...unavailable,
    ...commonErrors,
  },
})

const stream = createRoute({
  method: 'get',
  path: '/events/stream',
  tags: ['events'],
  summary:
    'Relay a channel as server-sent events: `ready` once subscribed, then one `message` per publish',
  request: { query: z.object({ channel: Channel }) },
  responses: {
    200: {
      description: 'An event stream',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...unavailable,
    ...commonErrors,
  },
})

/** Comment lines keep proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000

export function eventRoutes(app: App, { redis }: Services): void {
  app.openapi(publish, async (c) => {
    const client = requireRedis(redis)
    const { channel, data } = c.req.valid('json')
    const receivers = await withRedis(() =>
      client.publish(registry.keys.channel({ channel }).key, JSON.stringify(data ?? null)),
    )
    return c.json({ channel, receivers }, 202)
  })

  app.openapi(stream, async (c) => {
    const client = requireRedis(redis)
    const { channel } = c.req.valid('query')
    // Subscribe before answering, so a Redis failure is a 503 rather than an empty stream;
    // messages that arrive before the stream is open are buffered.
    const buffered: string[] = []
    let deliver: ((message: string) => void) | undefined
    const unsubscribe = await withRedis(() =>
      client.subscribe(registry.keys.channel({ channel }).key, (message) => {
        if (deliver) deliver(message)
        else buffered.push(message)
      }),
    )
    let stopped: Promise<void> | undefined
    const stop = () => {
      deliver = undefined
      stopped ??= unsubscribe().catch(() => {})
      return stopped
    }
    return streamSSE(
      c,
      async (sse) => {
        let id = 0
        let closed = false
        sse.onAbort(() => {
          closed = true
          void stop() // at once, not at the next heartbeat
        })
        deliver = (message) => {
          void sse.writeSSE({ event: 'message', data: message, id: String(++id) })
        }
        await sse.writeSSE({ event: 'ready', data: JSON.stringify({ channel }) })
        for (const message of buffered.splice(0)) deliver(message)
        try {
          while (!closed && !sse.closed) {
            await sse.sleep(HEARTBEAT_MS)
            if (!closed && !sse.closed) await sse.write(': heartbeat\n\n')
          }
        } finally {
          await stop()
        }
      },
      async (_error, sse) => {
        await stop()
        await sse.close()
      },
    )
  })
}
