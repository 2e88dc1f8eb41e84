import { describe, expect, it } from 'vitest'
import { command, keyPrefix, READ_ONLY_TOKEN, restServer, TOKEN } from './fixtures'

/** Opens an SSE subscription and collects its `data:` lines. */
async function openStream(url: string, token = TOKEN) {
  const controller = new AbortController()
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    body: '[]',
    signal: controller.signal,
  })
  const lines: string[] = []
  const waiters: (() => void)[] = []
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const pump = (async () => {
    let buffer = ''
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        buffer += decoder.decode(value, { stream: true })
        const parts = buffer.split('\n')
        buffer = parts.pop() ?? ''
        for (const part of parts) if (part.startsWith('data: ')) lines.push(part.slice(6))
        for (const wake of waiters.splice(0)) wake()
      }
    } catch {
      // aborted
    }
  })()
  return {
    response,
    lines,
    async waitFor(count: number) {
      const deadline = Date.now() + 5_000
      while (lines.length < count) {
        if (Date.now() > deadline)
          throw new Error(`only ${lines.length} lines: ${lines.join(' | ')}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
    async abort() {
      controller.abort()
      await pump
    },
    pump,
  }
}

async function eventually(check: () => Promise<boolean>) {
  const deadline = Date.now() + 5_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached within 5 s')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('POST /subscribe/<channel>', () => {
  it('streams the confirmation and published messages in the SDK framing', async () => {
    await using server = await restServer()
    const channel = `${keyPrefix()}chat`
    const stream = await openStream(`${server.url}/subscribe/${channel}`)
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream')
    await stream.waitFor(1)
    expect(stream.lines[0]).toBe(`subscribe,${channel},1`)
    expect((await command(server.url, ['PUBLISH', channel, 'hello, world'])).json).toEqual({
      result: 1,
    })
    await stream.waitFor(2)
    expect(stream.lines[1]).toBe(`message,${channel},hello, world`)
    await stream.abort()
  })

  it('is allowed with the read-only token', async () => {
    await using server = await restServer()
    const stream = await openStream(`${server.url}/subscribe/${keyPrefix()}ro`, READ_ONLY_TOKEN)
    expect(stream.response.status).toBe(200)
    await stream.abort()
  })

  it('answers 401 without a valid token', async () => {
    await using server = await restServer()
    const response = await fetch(`${server.url}/subscribe/x`, { method: 'POST' })
    expect(response.status).toBe(401)
  })

  it('unsubscribes from Redis when the client goes away', async () => {
    await using server = await restServer()
    const channel = `${keyPrefix()}gone`
    const stream = await openStream(`${server.url}/subscribe/${channel}`)
    await stream.waitFor(1)
    const subscribers = async () =>
      (
        (await command(server.url, ['PUBSUB', 'NUMSUB', channel])).json as {
          result: [string, number]
        }
      ).result[1]
    expect(await subscribers()).toBe(1)
    await stream.abort()
    await eventually(async () => (await subscribers()) === 0)
    expect((await command(server.url, ['PUBLISH', channel, 'nobody'])).json).toEqual({ result: 0 })
  })

  it('shares one Redis subscription between streams and keeps it until the last one leaves', async () => {
    await using server = await restServer()
    const channel = `${keyPrefix()}shared`
    const first = await openStream(`${server.url}/subscribe/${channel}`)
    const second = await openStream(`${server.url}/subscribe/${channel}`)
    await Promise.all([first.waitFor(1), second.waitFor(1)])
    await first.abort()
    await command(server.url, ['PUBLISH', channel, 'still here'])
    await second.waitFor(2)
    expect(second.lines[1]).toBe(`message,${channel},still here`)
    await second.abort()
  })
})

describe('POST /psubscribe/<pattern>', () => {
  it('streams pmessage lines with the pattern and the channel', async () => {
    await using server = await restServer()
    const prefix = keyPrefix()
    const stream = await openStream(`${server.url}/psubscribe/${prefix}*`)
    await stream.waitFor(1)
    expect(stream.lines[0]).toBe(`psubscribe,${prefix}*,1`)
    await command(server.url, ['PUBLISH', `${prefix}news`, 'hi'])
    await stream.waitFor(2)
    expect(stream.lines[1]).toBe(`pmessage,${prefix}*,${prefix}news,hi`)
    await stream.abort()
  })
})

describe('shutdown with open subscriptions', () => {
  it('ends open streams so close() does not hang', async () => {
    const server = await restServer()
    const stream = await openStream(`${server.url}/subscribe/${keyPrefix()}bye`)
    await stream.waitFor(1)
    await server.close()
    await stream.pump
    expect(stream.lines).toHaveLength(1)
  })
})

describe('channel names in the path', () => {
  it('decodes percent-encoding once, so a literal % in a channel name survives', async () => {
    await using server = await restServer()
    const channel = `${keyPrefix()}100%/ok`
    const stream = await openStream(`${server.url}/subscribe/${encodeURIComponent(channel)}`)
    await stream.waitFor(1)
    expect(stream.lines[0]).toBe(`subscribe,${channel},1`)
    await command(server.url, ['PUBLISH', channel, 'x'])
    await stream.waitFor(2)
    expect(stream.lines[1]).toBe(`message,${channel},x`)
    await stream.abort()
  })
})
