import type { HttpAgent, HttpAgentOptions } from './http-agent'

/** The global `fetch`: the only HTTP client workerd, the Vercel Edge runtime and browsers have. */
export function createHttpAgent(origin: string, options: HttpAgentOptions): HttpAgent {
  const send = options.fetch ?? fetch
  return {
    async post(path, body, headers) {
      const response = await send(origin + path, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      })
      return {
        status: response.status,
        syncToken: response.headers.get('upstash-sync-token') ?? undefined,
        contentType: (response.headers.get('content-type') ?? '').toLowerCase(),
        body: await response.text(),
      }
    },
    close: async () => {},
  }
}
