import type { Command, RedisClient } from '@hotpath/redis'
import { errors, RatelimitError } from './errors'
import { ratelimitKeys } from './keys'
import { isUpstashSdk, type UpstashRedisLike, wrapUpstashSdk } from './upstash-sdk'

/** The commands protection needs; a hotpath client or a wrapped `@upstash/redis` has them. */
export type DenyListRedis = Pick<RedisClient, 'pipeline'>

function backend(redis: DenyListRedis | UpstashRedisLike): DenyListRedis {
  return isUpstashSdk(redis) ? wrapUpstashSdk(redis) : redis
}

/**
 * Where the IP deny list comes from: the IPs themselves, or a function of the threshold that
 * returns them (a file, your own mirror). `downloadIpDenyList` is upstream's source.
 */
export type IpDenyListSource =
  | Iterable<string>
  | ((threshold: number) => Iterable<string> | Promise<Iterable<string>>)

/** Upstream's source: stamparm/ipsum, IPs seen on at least `threshold` public blocklists. */
const IPSUM = 'https://raw.githubusercontent.com/stamparm/ipsum/master/levels'

/** `@upstash/ratelimit`'s `ThresholdError`, as a RatelimitError with a stable code. */
export class ThresholdError extends RatelimitError {
  constructor(threshold: unknown) {
    super(
      errors.E_OPTION_INVALID,
      `Allowed threshold values are from 1 to 8, 1 and 8 included. Received: ${threshold}`,
    )
    this.name = 'ThresholdError'
  }
}

export function checkThreshold(threshold: unknown): number {
  if (
    typeof threshold !== 'number' ||
    !Number.isInteger(threshold) ||
    threshold < 1 ||
    threshold > 8
  ) {
    throw new ThresholdError(threshold)
  }
  return threshold
}

/** Fetches ipsum's level file, as `@upstash/ratelimit` does on every daily refresh. */
export async function downloadIpDenyList(threshold: number): Promise<string[]> {
  checkThreshold(threshold)
  const response = await fetch(`${IPSUM}/${threshold}.txt`)
  if (!response.ok) {
    throw new Error(`Failed to fetch ip deny list: ${response.status} ${response.statusText}`)
  }
  return (await response.text()).split('\n').filter((line) => line.length > 0)
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Until the next 2 AM UTC, when ipsum publishes: upstream's refresh time. */
export function ipDenyListTtl(now = Date.now()): number {
  return DAY - ((now - 2 * HOUR) % DAY)
}

/** The keys upstream uses, under the limiter's prefix: `<prefix>:denyList:all` and friends. */
export function denyListKeys(prefix: string) {
  const { keys } = ratelimitKeys(prefix)
  return {
    all: keys.denyListAll().key,
    ip: keys.ipDenyList().key,
    status: keys.ipDenyListStatus().key,
  }
}

/** SADD/SREM in chunks: ipsum's low levels hold over 100 000 addresses. */
function chunked(name: string, key: string, members: readonly string[]): Command[] {
  const commands: Command[] = []
  for (let i = 0; i < members.length; i += 1000) {
    commands.push([name, key, ...members.slice(i, i + 1000)])
  }
  return commands
}

/**
 * Replaces the IP part of the deny list. As upstream: entries you added by hand to
 * `<prefix>:denyList:all` stay, IPs of the previous list go, and the status key is valid
 * until `ttl` (next 2 AM UTC). Key by key rather than in one MULTI, so it also runs on a
 * Redis Cluster; a concurrent refresh is kept out by the 30 s "pending" status limit() sets.
 */
export async function updateIpDenyList(
  client: DenyListRedis | UpstashRedisLike,
  prefix: string,
  threshold: number,
  ttl?: number,
  source: IpDenyListSource = downloadIpDenyList,
): Promise<unknown[]> {
  checkThreshold(threshold)
  const redis = backend(client)
  const ips = [...(typeof source === 'function' ? await source(threshold) : source)]
  const keys = denyListKeys(prefix)
  const [previous] = (await redis.pipeline([['SMEMBERS', keys.ip]])) as [string[]]
  if (previous.length > 0) await redis.pipeline(chunked('SREM', keys.all, previous))
  const [manual] = (await redis.pipeline([['SMEMBERS', keys.all]])) as [string[]]
  const byHand = new Set(manual)
  const fresh = [...new Set(ips)].filter((ip) => !byHand.has(ip))
  return redis.pipeline([
    ['DEL', keys.ip],
    ...chunked('SADD', keys.ip, fresh),
    ...chunked('SADD', keys.all, fresh),
    ['SET', keys.status, 'valid', 'PX', Math.max(1, ttl ?? ipDenyListTtl())],
  ])
}

/** Removes the IP part and marks the list disabled, so limit() stops refreshing it. */
export async function disableIpDenyList(
  client: DenyListRedis | UpstashRedisLike,
  prefix: string,
): Promise<unknown[]> {
  const redis = backend(client)
  const keys = denyListKeys(prefix)
  const [previous] = (await redis.pipeline([['SMEMBERS', keys.ip]])) as [string[]]
  return redis.pipeline([
    ...chunked('SREM', keys.all, previous),
    ['DEL', keys.ip],
    ['SET', keys.status, 'disabled'],
  ])
}

/** Members found in the deny list are refused locally for a minute, as upstream. */
const BLOCK_MS = 60_000
const MAX_BLOCKED = 1000

export type DenyCheck = { deniedValue: string | undefined; refreshIpList: boolean }

/**
 * `enableProtection`: the Redis-stored deny lists, read beside the rate limit script (same
 * round trip over HTTP, where both go in one pipeline). A value found is remembered for a
 * minute in the process, so a denied client costs Redis nothing for that time.
 */
export class Protection {
  readonly #redis: DenyListRedis
  readonly #keys: ReturnType<typeof denyListKeys>
  readonly #blocked = new Map<string, number>()
  readonly #ipList: boolean

  constructor(redis: DenyListRedis, prefix: string, ipList: boolean) {
    this.#redis = redis
    this.#keys = denyListKeys(prefix)
    this.#ipList = ipList
  }

  /** A member denied within the last minute, without asking Redis. */
  cached(members: readonly string[], now: number): string | undefined {
    for (const member of members) {
      const until = this.#blocked.get(member)
      if (until === undefined) continue
      if (until > now) return member
      this.#blocked.delete(member)
    }
    return undefined
  }

  /**
   * SISMEMBER per member (SMISMEMBER would need Redis 6.2 and is missing from the memory
   * driver), and with the IP list on `SET status pending EX 30 NX`: it succeeds exactly when
   * the status has expired, which is upstream's "TTL == -2" test, and tells this caller (only)
   * to refresh the IP list. One pipeline: one round trip.
   */
  async check(members: readonly string[], now: number): Promise<DenyCheck> {
    const commands: Command[] = members.map((member) => ['SISMEMBER', this.#keys.all, member])
    if (this.#ipList) commands.push(['SET', this.#keys.status, 'pending', 'EX', 30, 'NX'])
    const replies = await this.#redis.pipeline(commands)
    const found = replies.slice(0, members.length)
    const claimed = this.#ipList ? replies[members.length] : null
    let deniedValue: string | undefined
    found.forEach((hit, index) => {
      const member = members[index]
      if (Number(hit) === 1 && member !== undefined) {
        if (this.#blocked.size >= MAX_BLOCKED) this.#blocked.clear()
        this.#blocked.set(member, now + BLOCK_MS)
        deniedValue = member
      }
    })
    return { deniedValue, refreshIpList: claimed === 'OK' }
  }
}
