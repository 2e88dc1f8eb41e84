import { randomUUID } from 'node:crypto'
import { createConnection } from 'node:net'
import { redisTargets } from '@hotpath/test-redis'
import { type StartRestServerOptions, startRestServer } from '../src/node'

export const TOKEN = 'test-token-read-write'
export const READ_ONLY_TOKEN = 'test-token-read-only'

/** A REST server on a free port, in front of the shared standalone Redis unless told otherwise. */
export async function restServer(options: Partial<StartRestServerOptions> = {}) {
  const server = await startRestServer({
    redis: redisTargets().standalone.url,
    token: TOKEN,
    readOnlyToken: READ_ONLY_TOKEN,
    port: 0,
    ...options,
  })
  return Object.assign(server, { [Symbol.asyncDispose]: () => server.close() })
}

/** A key prefix private to one test, so tests can share the harness's Redis. */
export function keyPrefix(): string {
  return `rest-test:${randomUUID()}:`
}

type CallOptions = {
  token?: string | null
  base64?: boolean
  method?: string
  body?: BodyInit
  headers?: Record<string, string>
}

/** One raw HTTP request, as a client without the SDK would send it. */
export async function call(baseUrl: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? TOKEN : options.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  if (options.base64) headers['upstash-encoding'] = 'base64'
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? 'POST',
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** POST / with a JSON command. */
export function command(baseUrl: string, args: unknown[], options: CallOptions = {}) {
  return call(baseUrl, '/', { ...options, body: JSON.stringify(args) })
}

export type Canary = {
  /** Stops polling; resolves with the slowest answer seen and how many came back. */
  stop(): Promise<{ slowestMs: number; answers: number; failures: number }>
}

/**
 * Another client that keeps sending PING while a hostile one does its worst, to show that
 * one request cannot stall everyone else. Each PING has its own generous timeout, so a
 * frozen server shows as a failure rather than hanging the test.
 */
export function startCanary(baseUrl: string, everyMs = 25): Canary {
  let running = true
  let slowestMs = 0
  let answers = 0
  let failures = 0
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      try {
        const response = await fetch(`${baseUrl}/ping`, {
          headers: { authorization: `Bearer ${TOKEN}` },
          signal: AbortSignal.timeout(5_000),
        })
        const body = (await response.json()) as { result?: unknown }
        if (body.result === 'PONG') answers++
        else failures++
      } catch {
        failures++
      }
      slowestMs = Math.max(slowestMs, performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { slowestMs, answers, failures }
    },
  }
}

/**
 * A client that sends `head` at once, then `trickle` one byte every `everyMs`, the way a
 * slowloris holds a connection. Resolves with what the server answered and when the
 * connection ended, or `ended: false` if it was still open after `giveUpMs`.
 */
export function slowClient(
  baseUrl: string,
  head: string,
  trickle: string,
  everyMs: number,
  giveUpMs: number,
): Promise<{ reply: string; ended: boolean; afterMs: number }> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = createConnection({ host: hostname, port: Number(port) })
    let reply = ''
    let sent = 0
    let timer: NodeJS.Timeout | undefined
    const finish = (ended: boolean) => {
      clearInterval(timer)
      clearTimeout(giveUp)
      socket.destroy()
      resolve({ reply, ended, afterMs: performance.now() - started })
    }
    const giveUp = setTimeout(() => finish(false), giveUpMs)
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8')
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => undefined)
    socket.on('connect', () => {
      socket.write(head)
      timer = setInterval(() => {
        if (sent < trickle.length && socket.writable) socket.write(trickle[sent++] as string)
      }, everyMs)
    })
  })
}
