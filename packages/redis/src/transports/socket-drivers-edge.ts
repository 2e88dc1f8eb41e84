import { errors, RedisError } from '../errors'
import type { Transport } from './transport'

function unsupported(what: string): never {
  throw new RedisError(
    errors.E_UNSUPPORTED,
    `${what} needs Node, which this runtime is not; on an edge runtime set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (HTTP)`,
  )
}

// What edge conditions (workerd, edge-light, worker, browser) resolve `#socket-drivers` to:
// a Worker has no TCP client to offer, and a bundle that carried ioredis would not load.
export const loadTcpTransport = async (_url: string): Promise<Transport> =>
  unsupported('REDIS_URL (Redis over TCP)')

export const loadMemoryTransport = async (): Promise<Transport> =>
  unsupported('CACHE_PROVIDER=memory')
