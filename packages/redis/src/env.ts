import { loadMemoryTransport, loadTcpTransport } from '#socket-drivers'
import { type ClientOptions, createClient } from './client'
import { connectionError, errors, RedisError } from './errors'
import type { Transport } from './transports/transport'
import type { DriverName, ManagedRedisClient } from './types'

export type CreateRedisOptions = ClientOptions & {
  /** Where the variables are read from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /**
   * The client for an Upstash REST configuration: `'http'`, hotpath's own
   * (`@hotpath/redis/http`), or `'upstash'`, the official `@upstash/redis` SDK (an optional
   * peer dependency you install).
   * @default 'http'
   */
  restDriver?: 'http' | 'upstash'
}

type Config =
  | { driver: 'upstash'; url: string; token: string }
  | { driver: 'tcp'; url: string }
  | { driver: 'memory' }

/** `CACHE_PROVIDER`: an explicit choice of driver, the only way `memory` is ever chosen. */
const PROVIDERS = ['upstash', 'redis', 'memory'] as const
type Provider = (typeof PROVIDERS)[number]

function providerOf(env: CreateRedisOptions['env']): Provider | undefined {
  const raw = read(env, 'CACHE_PROVIDER')
  if (raw === undefined) return undefined
  const provider = raw.trim().toLowerCase()
  if ((PROVIDERS as readonly string[]).includes(provider)) return provider as Provider
  return invalid(
    `CACHE_PROVIDER must be one of ${PROVIDERS.join(', ')} (got "${raw}"); unset, the driver follows the variables that are set`,
  )
}

function read(env: CreateRedisOptions['env'], name: string): string | undefined {
  const value = env?.[name]
  return value === undefined || value.trim() === '' ? undefined : value
}

function invalid(message: string): never {
  throw new RedisError(errors.E_OPTION_INVALID, message)
}

function parseUrl(value: string, variable: string, protocols: string[], example: string): URL {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch (cause) {
    throw new RedisError(
      errors.E_OPTION_INVALID,
      `${variable} is not a URL (got "${value}"); set it to something like ${example}`,
      { cause },
    )
  }
  if (!protocols.includes(url.protocol) || url.hostname === '') {
    invalid(
      `${variable} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL such as ${example} (got "${value}")`,
    )
  }
  return url
}

/**
 * Reads the configuration from the environment. `null` means "no Redis": nothing set, or
 * only one of the two Upstash variables. Present-but-malformed values throw E_OPTION_INVALID.
 * `CACHE_PROVIDER` names the driver instead of letting the variables decide; the variables
 * that driver needs must then be set (a named choice that cannot be honoured is an error, not
 * a silent "no Redis").
 */
export function configFromEnv(env: CreateRedisOptions['env']): Config | null {
  const provider = providerOf(env)
  if (provider === 'memory') return { driver: 'memory' }
  const upstash = provider === 'redis' ? null : upstashFromEnv(env)
  if (upstash) return upstash
  const tcp = provider === 'upstash' ? null : tcpFromEnv(env)
  if (tcp) return tcp
  if (provider === 'upstash') {
    invalid(
      'CACHE_PROVIDER=upstash needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (or KV_REST_API_URL and KV_REST_API_TOKEN)',
    )
  }
  if (provider === 'redis')
    invalid('CACHE_PROVIDER=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379')
  return null
}

function upstashFromEnv(env: CreateRedisOptions['env']): Config | null {
  const urlName =
    read(env, 'UPSTASH_REDIS_REST_URL') !== undefined ? 'UPSTASH_REDIS_REST_URL' : 'KV_REST_API_URL'
  const tokenName =
    read(env, 'UPSTASH_REDIS_REST_TOKEN') !== undefined
      ? 'UPSTASH_REDIS_REST_TOKEN'
      : 'KV_REST_API_TOKEN'
  const restUrl = read(env, urlName)
  const token = read(env, tokenName)
  if (restUrl !== undefined && token !== undefined) {
    const url = parseUrl(
      restUrl,
      urlName,
      ['http:', 'https:'],
      'https://eu1-example-12345.upstash.io',
    )
    if (/\s/.test(token))
      invalid(
        `${tokenName} contains whitespace; paste the token exactly as the Upstash console shows it`,
      )
    return { driver: 'upstash', url: url.href.replace(/\/+$/, ''), token }
  }
  return null
}

function tcpFromEnv(env: CreateRedisOptions['env']): Config | null {
  const redisUrl = read(env, 'REDIS_URL')
  if (redisUrl !== undefined) {
    const url = parseUrl(redisUrl, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379')
    return { driver: 'tcp', url: url.href.replace(/\/+$/, '') }
  }
  return null
}

/** Loads a driver only when it is used, so its library stays an optional peer dependency. */
function lazyTransport(
  driver: DriverName,
  url: string | undefined,
  load: () => Promise<Transport>,
): Transport {
  let loaded: Promise<Transport> | undefined
  let ready: Transport | undefined
  // The client registers its reconnect listener at creation; loading the driver for it would
  // defeat the lazy load, so listeners wait here until the driver is loaded.
  const reconnectListeners: (() => void)[] = []
  const get = () => {
    loaded ??= load().then((transport) => {
      ready = transport
      for (const listener of reconnectListeners) transport.onReconnect?.(listener)
      return transport
    })
    return loaded
  }
  const parsed = url === undefined ? undefined : new URL(url)
  const defaultPort = driver === 'tcp' ? 6379 : parsed?.protocol === 'https:' ? 443 : 80
  return {
    driver,
    ...(parsed && {
      server: {
        address: parsed.hostname,
        port: parsed.port ? Number(parsed.port) : defaultPort,
      },
    }),
    // Transports reject with their library's errors and map them here: without the loaded
    // driver's mapping, every server reply (WRONGTYPE, NOSCRIPT) would pass for a lost
    // connection, feed the breaker and defeat runScript's EVAL fallback.
    toError: (error, name) => (ready?.toError ?? connectionError)(error, name),
    send: async (command) => (await get()).send(command),
    // The driver's fast path once it is loaded; until then (and for drivers without one) the
    // client sends through `send`.
    start: (command) => ready?.start?.(command),
    pipeline: async (commands) => (await get()).pipeline(commands),
    masters: async () => (await get()).masters(),
    subscribe: async (channel, handler) => (await get()).subscribe(channel, handler),
    onReconnect: (listener) => {
      if (ready) ready.onReconnect?.(listener)
      else reconnectListeners.push(listener)
    },
    track: async (prefixes, listener) => {
      const transport = await get()
      if (!transport.track) {
        throw new RedisError(
          errors.E_UNSUPPORTED,
          `the ${driver} driver cannot track keys (no server push); use publish/subscribe or a staleness bound`,
          { command: 'CLIENT' },
        )
      }
      return transport.track(prefixes, listener)
    },
    close: async () => {
      if (loaded) await (await loaded).close()
    },
  }
}

function transportFor(config: Config, restDriver: 'http' | 'upstash'): Transport {
  if (config.driver === 'memory') {
    return lazyTransport('memory', undefined, loadMemoryTransport)
  }
  if (config.driver === 'upstash' && restDriver === 'http') {
    const { url, token } = config
    return lazyTransport('http', url, async () =>
      (await import('./transports/http')).createHttpTransport({ url, token }),
    )
  }
  if (config.driver === 'upstash') {
    const { url, token } = config
    return lazyTransport('upstash', url, async () =>
      (await import('./transports/upstash')).createUpstashTransport({ url, token }),
    )
  }
  const { url } = config
  return lazyTransport('tcp', url, () => loadTcpTransport(url))
}

const clients = new Map<string, ManagedRedisClient>()

/**
 * The client for the environment's configuration: Upstash (`UPSTASH_REDIS_REST_URL` +
 * `UPSTASH_REDIS_REST_TOKEN`, or `KV_REST_API_URL` + `KV_REST_API_TOKEN`), else `REDIS_URL`
 * over TCP, else `null`; or the driver `CACHE_PROVIDER` names (`upstash`, `redis`, `memory`). One client per process per configuration: the first call's
 * options win.
 */
export function createRedis(options: CreateRedisOptions = {}): ManagedRedisClient | null {
  const env = options.env ?? (typeof process === 'undefined' ? {} : process.env)
  const config = configFromEnv(env)
  if (!config) return null
  const restDriver = options.restDriver ?? 'http'
  if (restDriver !== 'http' && restDriver !== 'upstash') {
    invalid(`restDriver must be 'http' or 'upstash' (got "${String(restDriver)}")`)
  }
  const id =
    config.driver === 'upstash'
      ? `${restDriver} ${config.url} ${config.token}`
      : config.driver === 'tcp'
        ? `tcp ${config.url}`
        : 'memory'
  const existing = clients.get(id)
  if (existing) return existing
  const client = createClient(transportFor(config, restDriver), options)
  const close = client.close
  client.close = async () => {
    if (clients.get(id) === client) clients.delete(id)
    if (fromEnv?.client === client) fromEnv = undefined
    await close()
  }
  clients.set(id, client)
  return client
}

// getRedis() sits on every helper call: remember its answer (null included) instead of
// re-reading and re-parsing the environment each time. resetRedis() forgets it.
let fromEnv: { client: ManagedRedisClient | null } | undefined

/** `createRedis()` from `process.env` with default options, resolved once per process. */
export function getRedis(): ManagedRedisClient | null {
  fromEnv ??= { client: createRedis() }
  return fromEnv.client
}

/** Closes and forgets every client made by `createRedis`, so tests can change the environment. */
export async function resetRedis(): Promise<void> {
  const open = [...clients.values()]
  clients.clear()
  fromEnv = undefined
  await Promise.all(open.map((client) => client.close().catch(() => {})))
}
