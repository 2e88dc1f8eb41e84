import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { type BodyLimits, tooLarge, tooSlow } from './body'
import { errors, RestServerError } from './errors'
import { type RestServerOptions, resolveOptions } from './options'
import { Rejection } from './rejection'
import { createRestCore, type IncomingCall, type RestCore, serveFetch } from './server'

export type StartRestServerOptions = RestServerOptions & {
  /** Port to listen on; 0 picks a free one. @default 8079 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
}

export type RunningRestServer = {
  /** Base URL for clients, e.g. `http://127.0.0.1:8079`. */
  readonly url: string
  /** HTTP requests served so far (to count round trips in tests and benchmarks). */
  readonly requests: number
  /** Stops accepting, ends subscriptions, drains in-flight requests, closes Redis. */
  close(): Promise<void>
}

/**
 * Starts the REST server on Node's HTTP server. Commands and pipelines are read from and
 * written to node:http directly; only subscriptions, which stream, go through the fetch
 * handler (via @hono/node-server).
 */
export async function startRestServer(options: StartRestServerOptions): Promise<RunningRestServer> {
  const { port = 8079, host = '127.0.0.1', ...restOptions } = options
  const rest = createRestCore(restOptions)
  if (restOptions.acl === 'require') {
    // The operator asked for Redis-enforced policy: no listening socket without it.
    try {
      await rest.ready()
    } catch (error) {
      await rest.close()
      throw error
    }
  }
  const { bodyTimeoutMs } = resolveOptions(restOptions)
  const server = createServer(
    {
      // Slow headers are Node's to cut off (with its own 408); a slow body is ours (with a
      // JSON 408), so Node's whole-request bound stays behind the body timeout.
      headersTimeout: bodyTimeoutMs,
      requestTimeout: bodyTimeoutMs * 2,
      connectionsCheckingInterval: Math.min(1_000, bodyTimeoutMs),
    },
    nodeListener(rest),
  )
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await rest.close()
    throw new RestServerError(errors.E_OPTION_INVALID, `cannot listen on ${host}:${port}`, {
      cause: error,
    })
  }
  const address = server.address() as AddressInfo
  const hostPart = address.address.includes(':') ? `[${address.address}]` : address.address
  let closing: Promise<void> | undefined
  return {
    url: `http://${hostPart}:${address.port}`,
    get requests() {
      return rest.requests
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        await rest.close()
        // Drained: what is left are idle keep-alive sockets.
        server.closeAllConnections()
        await stopped
      })()
      return closing
    },
  }
}

/** The node:http listener: subscriptions through the fetch handler, the rest straight. */
function nodeListener(core: RestCore) {
  const streaming = getRequestListener(serveFetch(core).fetch, {
    // an embedding app keeps its own globals
    overrideGlobalObjects: false,
  })
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/'
    const { path, search } = splitUrl(url)
    if (path.startsWith('/subscribe/') || path.startsWith('/psubscribe/')) {
      void streaming(req, res)
      return
    }
    const call: IncomingCall = {
      method: req.method ?? 'GET',
      path,
      search,
      header: (name) => {
        const value = req.headers[name]
        return Array.isArray(value) ? value.join(', ') : value
      },
      body: (limits) => readNodeBody(req, limits),
    }
    core.handle(call).then(
      (reply) => {
        if (reply.status === 408) {
          // The rest of a slow body is not worth waiting for: answer, then drop the socket.
          res.writeHead(reply.status, { ...reply.headers, connection: 'close' })
          res.end(reply.body, () => req.socket.destroy())
          return
        }
        res.writeHead(reply.status, reply.headers)
        res.end(reply.body)
      },
      (error: unknown) => {
        res.destroy(error instanceof Error ? error : undefined)
      },
    )
  }
}

/** Path and query of a request line: origin form (`/get/k?x`) or absolute form. */
function splitUrl(url: string): { path: string; search: string } {
  if (!url.startsWith('/')) {
    const parsed = new URL(url, 'http://localhost')
    return { path: parsed.pathname, search: parsed.search }
  }
  const q = url.indexOf('?')
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q) }
}

/** The body of a node request, refused as soon as it passes a limit. */
function readNodeBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = (rejection: Rejection, drain: boolean) => {
      clearTimeout(timer)
      req.off('data', onData)
      // A body over the size limit is drained (the 413 reaches the client); a slow one is not.
      if (drain) req.resume()
      else req.pause()
      reject(rejection)
    }
    const timer = setTimeout(() => stop(tooSlow(limits.timeoutMs), false), limits.timeoutMs)
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limits.maxBytes) return stop(tooLarge(limits.maxBytes), true)
      try {
        limits.inspect?.(chunk)
      } catch (error) {
        return stop(error instanceof Rejection ? error : new Rejection(400, 'ERR bad body'), true)
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => {
      clearTimeout(timer)
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))
    })
    req.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // the client went away mid-body; nobody reads this answer, but it is not a server fault
    req.once('aborted', () => {
      clearTimeout(timer)
      reject(new Rejection(400, 'ERR the request body was cut short'))
    })
  })
}
