import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { errors, RestServerError } from './errors'
import type { RestServerOptions } from './options'
import { createRestServer } from './server'

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

/** Starts the REST server on Node's HTTP server (via @hono/node-server). */
export async function startRestServer(options: StartRestServerOptions): Promise<RunningRestServer> {
  const { port = 8079, host = '127.0.0.1', ...restOptions } = options
  const rest = createRestServer(restOptions)
  const server = createAdaptorServer({ fetch: rest.fetch }) as Server
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
    throw new RestServerError(errors.E_CONFIG_INVALID, `cannot listen on ${host}:${port}`, {
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
