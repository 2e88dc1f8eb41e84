import { Pool } from 'undici'
import type { HttpAgent, HttpAgentOptions } from './http-agent'
import { createHttpAgent as createFetchAgent } from './http-fetch'

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * undici's `Pool.request` on Node: keep-alive sockets and no WHATWG `Request`/`Response`/
 * stream objects per call, which is most of what Node's global `fetch` spends on a small
 * request (see tooling/bench `redis-rest`). Several requests run at once, one per socket, so
 * a batch never waits behind an earlier one. undici never retries a POST by itself.
 */
export function createHttpAgent(origin: string, options: HttpAgentOptions): HttpAgent {
  if (options.fetch) return createFetchAgent(origin, options)
  const pool = new Pool(origin, {
    connections: options.connections,
    // One request per socket at a time: HTTP/1.1 pipelining would put a batch behind the
    // one ahead of it, the head-of-line wait this driver exists to avoid.
    pipelining: 1,
    keepAliveTimeout: 30_000,
    // undici waits 300 s by default: a hung server would hold every socket long after the
    // client gave up on those calls, and the breaker's probe would queue behind them.
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
  })
  return {
    async post(path, body, headers) {
      const reply = await pool.request({ path, method: 'POST', headers, body })
      return {
        status: reply.statusCode,
        syncToken: header(reply.headers['upstash-sync-token']),
        contentType: (header(reply.headers['content-type']) ?? '').toLowerCase(),
        body: await reply.body.text(),
      }
    },
    close: () => pool.close(),
  }
}
