import { defineKeys, key } from '@hotpath/keys'
import type { RedisClient } from '@hotpath/redis'
import { defineScript, runScript } from '@hotpath/redis'
import type { BetterAuthPlugin, SecondaryStorage } from 'better-auth'
import { createAuthMiddleware } from 'better-auth/api'

export type BetterAuthStorageOptions = {
  /**
   * Any hotpath driver, or what `createRedis()` returned: with `null` (no Redis configured)
   * `secondaryStorage` returns `undefined` and Better Auth keeps everything in its database.
   */
  redis: RedisClient | null | undefined
  /**
   * Key prefix for the key registry, in front of `better-auth:`; when unset,
   * `HOTPATH_KEY_PREFIX` applies.
   * @default undefined
   */
  prefix?: string
}

/**
 * KEYS counter · ARGV ttl seconds. The TTL is set when the counter is created, never extended,
 * so a window closes a fixed time after its first hit. A counter found without a TTL (written
 * by something else) gets one too: without it the limit would never reset.
 */
export const INCREMENT = defineScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
`)

/**
 * KEYS entry, tombstone. A delete leaves a short-lived tombstone next to the entry, so that
 * a write-back racing with the delete (read from Postgres before the revoke, written after
 * it) cannot bring a revoked session back.
 */
export const DELETE = defineScript(`
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
return 1
`)

/** KEYS entry, tombstone · ARGV value, ttl seconds → 1 when written back. */
export const RESTORE = defineScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0
`)

/** How long a delete blocks write-backs of the same key: longer than any request. */
const TOMBSTONE_SECONDS = 60
/** Misses remembered for write-back: enough for the requests of one process in flight. */
const MISS_CAPACITY = 10_000
const MISS_WINDOW_MS = 30_000
const BOOKKEEPING = /[-:|]/

type WriteBack = {
  /** True (once) when this process just missed `key` in Redis. */
  takeMiss(key: string): boolean
  restore(key: string, value: string, ttlSeconds: number): Promise<boolean>
}

const writeBacks = new WeakMap<object, WriteBack>()

/**
 * Better Auth's `secondaryStorage` on any hotpath driver: `secondaryStorage({ redis })`, the
 * client passed as every hotpath package takes it. Pass the result of `createRedis()`: with no
 * Redis configured it is `null`, this returns `undefined`, and Better Auth keeps everything in
 * its database without an error or a warning.
 */
export function secondaryStorage(options: BetterAuthStorageOptions): SecondaryStorage | undefined
/** @deprecated pass the client in the options: `secondaryStorage({ redis, prefix })`. */
export function secondaryStorage(
  redis: RedisClient | null | undefined,
  options?: Omit<BetterAuthStorageOptions, 'redis'>,
): SecondaryStorage | undefined
export function secondaryStorage(
  first: BetterAuthStorageOptions | RedisClient | null | undefined,
  positional: Omit<BetterAuthStorageOptions, 'redis'> = {},
): SecondaryStorage | undefined {
  const options: BetterAuthStorageOptions =
    first !== null && typeof first === 'object' && 'redis' in first
      ? first
      : { ...positional, redis: first }
  const { redis } = options
  if (!redis) return undefined
  // Better Auth writes bare session tokens as keys; the registry namespaces and escapes them.
  // The tombstone shares the entry's hash slot, so the delete and restore scripts run on a cluster.
  const registry = defineKeys(
    {
      betterAuth: key('better-auth:{key}', {
        slot: 'key',
        description: 'Better Auth secondary storage',
      }),
      betterAuthDeleted: key('better-auth-deleted:{key}', {
        slot: 'key',
        ttl: TOMBSTONE_SECONDS,
        description: 'Recently deleted Better Auth entry; blocks session write-back',
      }),
    },
    options.prefix === undefined ? {} : { prefix: options.prefix },
  )
  const keyOf = (name: string) => registry.keys.betterAuth({ key: name }).key
  const tombstoneOf = (name: string) => registry.keys.betterAuthDeleted({ key: name }).key
  const misses = new Map<string, number>()

  const storage: SecondaryStorage = {
    async get(name) {
      const value = await redis.get(keyOf(name))
      // Only bare session tokens can be written back; Better Auth's bookkeeping keys
      // (active-sessions-…, revoked-sessions-before-…, verification:…, ip|path) are skipped.
      if (value === null && !BOOKKEEPING.test(name)) {
        if (misses.size >= MISS_CAPACITY) misses.delete(misses.keys().next().value ?? '')
        misses.set(name, Date.now())
      }
      return value
    },

    async set(name, value, ttl) {
      if (ttl === undefined || ttl === null) {
        await redis.set(keyOf(name), value)
        return
      }
      // A non-positive TTL means the entry has already expired: make sure no stale copy lives.
      if (!(ttl > 0)) {
        await redis.del(keyOf(name))
        return
      }
      await redis.set(keyOf(name), value, { ex: Math.ceil(ttl) })
    },

    async delete(name) {
      await runScript(redis, DELETE, [keyOf(name), tombstoneOf(name)], [TOMBSTONE_SECONDS])
    },

    getAndDelete: (name) => redis.getdel(keyOf(name)),

    async increment(name, ttl) {
      const seconds = Math.max(1, Math.ceil(ttl))
      return Number(await runScript(redis, INCREMENT, [keyOf(name)], [seconds]))
    },
  }

  writeBacks.set(storage, {
    takeMiss(name) {
      const at = misses.get(name)
      misses.delete(name)
      return at !== undefined && Date.now() - at < MISS_WINDOW_MS
    },
    async restore(name, value, ttlSeconds) {
      const reply = await runScript(
        redis,
        RESTORE,
        [keyOf(name), tombstoneOf(name)],
        [value, Math.ceil(ttlSeconds)],
      )
      return reply === 1
    },
  })
  return storage
}

/**
 * Writes sessions that Better Auth had to read from its database back to Redis.
 *
 * With `session.storeSessionInDatabase: true`, Better Auth 1.7 reads a session from the
 * database when Redis misses it (after a flush, an eviction, a failover to an empty replica)
 * but never puts it back, so every later request of that user pays the database read. This
 * plugin puts it back, once, after the request that missed. A session deleted meanwhile is
 * not restored (the delete leaves a 60-second tombstone the write-back checks atomically).
 * Use it together with `secondaryStorage(...)`; without hotpath's storage it does nothing.
 */
export function sessionWriteBack(): BetterAuthPlugin {
  return {
    id: 'hotpath-session-write-back',
    hooks: {
      after: [
        {
          matcher: () => true,
          handler: createAuthMiddleware(async (ctx) => {
            const found = ctx.context.session
            const storage = ctx.context.secondaryStorage
            const writeBack = storage && writeBacks.get(storage)
            if (!found || !writeBack?.takeMiss(found.session.token)) return
            const ttl = (new Date(found.session.expiresAt).getTime() - Date.now()) / 1000
            if (ttl < 1) return
            // The shape Better Auth's internal adapter writes and reads back.
            const value = JSON.stringify({ session: found.session, user: found.user })
            try {
              await writeBack.restore(found.session.token, value, ttl)
            } catch (error) {
              // The response is already decided; a failed write-back only costs a later DB read.
              ctx.context.logger.warn('hotpath: session write-back to Redis failed', error)
            }
          }),
        },
      ],
    },
  }
}
