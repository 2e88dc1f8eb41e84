import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { RedisClient } from '@hotpath/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../src/db/store.ts'
import { build, connect, type Driver, openTestStore } from './helpers.ts'

let store: Store
beforeAll(async () => {
  store = await openTestStore()
})
afterAll(async () => {
  await store.close()
})

/** Reads server-sent events from a fetch body until `until` says stop. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (events: { event: string; data: string }[]) => boolean,
) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: { event: string; data: string }[] = []
  let buffer = ''
  while (!until(events)) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const event = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (event) events.push({ event, data: data ?? '' })
      end = buffer.indexOf('\n\n')
    }
  }
  reader.releaseLock()
  return events
}

describe.each<Driver>(['tcp', 'upstash'])('over a real socket, with %s Redis', (driver) => {
  let redis: RedisClient
  let close: () => Promise<void>
  let base: string
  let stop: () => Promise<void>

  beforeAll(async () => {
    ;({ redis, close } = await connect(driver))
    const app = build(redis, store)
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    stop = () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
      })
  })
  afterAll(async () => {
    await stop()
    await close()
  })

  it('GET /events/stream relays what POST /events publishes, as server-sent events', async () => {
    const channel = `room-${driver}-${Date.now()}`
    const abort = new AbortController()
    const res = await fetch(`${base}/events/stream?channel=${channel}`, { signal: abort.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(res.headers.get('x-ratelimit-limit')).toBe('60')
    const body = res.body as ReadableStream<Uint8Array>
    const ready = await readEvents(body, (events) => events.length > 0)
    expect(ready[0]).toEqual({ event: 'ready', data: JSON.stringify({ channel }) })

    const published = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel, data: { text: 'hello', n: 1 } }),
    })
    expect(published.status).toBe(202)
    expect(await published.json()).toEqual({ channel, receivers: 1 })
    await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel, data: 'second' }),
    })

    const messages = await readEvents(body, (events) => events.length >= 2)
    expect(messages).toEqual([
      { event: 'message', data: JSON.stringify({ text: 'hello', n: 1 }) },
      { event: 'message', data: JSON.stringify('second') },
    ])
    abort.abort()
  })

  it('serves GET /products/:id with the rate-limit headers from the socket address', async () => {
    const res = await fetch(`${base}/products/p-dripper`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 'p-dripper' })
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(60)
  })
})
