/** One answered POST: what the http transport needs from a reply, nothing more. */
export type HttpReply = {
  status: number
  /** The `upstash-sync-token` header, when the server sent one. */
  syncToken: string | undefined
  /** `content-type`, lower case, or ''. */
  contentType: string
  body: string
}

/**
 * Sends POSTs to one origin. Two implementations: `fetch` (edge runtimes, browsers, and Node
 * without undici) and an undici keep-alive pool (Node). Either rejects only when no HTTP
 * answer arrived (refused, reset, DNS, TLS); every status is a reply.
 */
export type HttpAgent = {
  post(path: string, body: string, headers: Record<string, string>): Promise<HttpReply>
  close(): Promise<void>
}

export type HttpAgentOptions = {
  /** Sockets per origin (undici only). */
  connections: number
  /** A request still unanswered after this many ms is abandoned and its socket closed. */
  requestTimeoutMs: number
  /** A `fetch` to use instead of the runtime's; forces the fetch agent. */
  fetch?: typeof fetch | undefined
}
