import { type Duration, parseDuration } from '@hotpath/core'
import type { RedisClient, Script } from '@hotpath/redis'
import { deserialize, runScript, serialize } from '@hotpath/redis'
import { errors, SessionError } from './errors'
import { type SessionKeys, sessionKeys } from './keys'
import { CREATE, DESTROY, DESTROY_ALL, READ, READ_MANY, UPDATE } from './scripts'
import { createToken, parseToken, userTag } from './token'

/** What a session carries: at least the id of the user it belongs to. */
export type SessionData = { userId: string }

export type Session<T extends SessionData = SessionData> = {
  /** SHA-256 of the token: safe to show (a "your devices" page), useless to sign in with. */
  id: string
  userId: string
  data: T
  createdAt: Date
  expiresAt: Date
}

export type SessionStoreOptions = {
  /** Any hotpath driver: tcp (standalone or cluster), upstash, memory. */
  redis: RedisClient
  /**
   * Lifetime of a session, at least 1 ms: `'500ms'`, `'45s'`, `'45 s'`, `'30m'`, `'12h'`,
   * `'7d'`. A bare number is seconds (deprecated: write the unit). With `rolling`, counted from
   * the last use.
   * @default '7d'
   */
  ttl?: Duration | number
  /**
   * Every `get()` and `update()` pushes expiry to a full `ttl` from now (in the same round trip).
   * `touch()` always does.
   * @default true
   */
  rolling?: boolean
  /**
   * With `rolling`, a `get()` extends the session only once this much of its lifetime has
   * passed since the last extension (Better Auth's `updateAge`), so most reads write nothing.
   * `0` extends on every read. `touch()` and `update()` always extend.
   * @default a seventh of `ttl` (1 day for the 7-day default, as Better Auth)
   */
  updateAge?: Duration | number
  /**
   * Key prefix for the key registry; when unset, `HOTPATH_KEY_PREFIX` applies.
   * @default undefined
   */
  prefix?: string
}

export type SessionStore<T extends SessionData = SessionData> = {
  /** The session lifetime in whole seconds, e.g. for a cookie's Max-Age. */
  readonly ttlSeconds: number
  /** Creates a session; the token goes to the client, only its SHA-256 goes to Redis. */
  create(data: T): Promise<{ token: string; session: Session<T> }>
  /** One round trip. `null` for a missing, malformed, expired or revoked token. */
  get(token: string | null | undefined): Promise<Session<T> | null>
  /**
   * Shallow-merges `patch` into the data in one atomic step (concurrent patches of different
   * properties all land); a property set to `undefined` is removed. `null` when the session
   * is gone.
   */
  update(token: string | null | undefined, patch: Partial<T>): Promise<Session<T> | null>
  /** Extends the session to a full `ttl` from now, whatever `rolling` says. */
  touch(token: string | null | undefined): Promise<Session<T> | null>
  /** `true` when a session was deleted. */
  destroy(token: string | null | undefined): Promise<boolean>
  /** Deletes one of a user's sessions by its `id` (from `listForUser`). */
  destroyById(userId: string, id: string): Promise<boolean>
  /** The user's live sessions, oldest expiry first; prunes the index as it goes. */
  listForUser(userId: string): Promise<Session<T>[]>
  /**
   * Ends every session of the user that exists when it runs, including ones being created
   * concurrently (they die by the user's epoch even if the index scan missed them).
   * Resolves with the number of sessions deleted.
   */
  destroyAllForUser(userId: string): Promise<number>
}

const DEFAULTS = {
  ttl: '7d',
  rolling: true,
  prefix: undefined,
  updateAge: undefined,
} satisfies Omit<SessionStoreOptions, 'redis'>

const FIELD = 'd:'

/** Hash fields and values for each top-level data property, flat, as HSET takes them. */
function fieldsOf(data: object): string[] {
  const flat: string[] = []
  for (const [name, value] of Object.entries(data)) {
    if (value !== undefined) flat.push(`${FIELD}${name}`, serialize(value))
  }
  return flat
}

export function createSessionStore<T extends SessionData = SessionData>(
  options: SessionStoreOptions,
): SessionStore<T> {
  // An option passed as undefined means "the default", as if it were left out.
  const given: Partial<SessionStoreOptions> = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  )
  const config = { ...DEFAULTS, ...given, redis: options.redis }
  const { redis } = config
  const ttlMs = parseDuration(config.ttl, 'ttl', { number: 's', min: 1, error: SessionError })
  const rollMs = config.rolling ? ttlMs : 0
  const updateAgeMs =
    config.updateAge === undefined
      ? Math.floor(ttlMs / 7)
      : parseDuration(config.updateAge, 'updateAge', { number: 's', min: 0, error: SessionError })
  if (updateAgeMs > ttlMs) {
    throw new SessionError(errors.E_OPTION_INVALID, 'updateAge must not exceed ttl')
  }
  const registry: SessionKeys = sessionKeys(config.prefix)

  const sessionKey = (user: string, id: string) => registry.keys.session({ user, id }).key
  const indexKey = (user: string) => registry.keys.sessionIndex({ user }).key
  const epochKey = (user: string) => registry.keys.sessionEpoch({ user }).key
  const keysOf = (user: string, id: string) => [
    sessionKey(user, id),
    indexKey(user),
    epochKey(user),
  ]

  const storeError = (cause: unknown) =>
    new SessionError(errors.E_SESSION_STORE, 'a session operation failed in Redis', { cause })

  async function run(
    script: Script,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await runScript(redis, script, keys, args)
    } catch (error) {
      throw storeError(error)
    }
  }

  /** A session from a flat HGETALL reply; `null` for nil (missing, expired, revoked). */
  function toSession(id: string, reply: unknown): Session<T> | null {
    if (reply === null) return null
    if (!Array.isArray(reply) || reply.length % 2 !== 0) {
      throw new SessionError(errors.E_SESSION_STORE, 'unexpected reply from a session script', {
        cause: reply,
      })
    }
    const meta: Record<string, string> = {}
    const data: [string, unknown][] = []
    for (let i = 0; i < reply.length; i += 2) {
      const field = String(reply[i])
      const raw = String(reply[i + 1])
      if (!field.startsWith(FIELD)) {
        meta[field] = raw
        continue
      }
      const value = deserialize(raw)
      if (!value.ok) {
        throw new SessionError(errors.E_SESSION_STORE, `session ${id} holds unreadable data`)
      }
      data.push([field.slice(FIELD.length), value.value])
    }
    return {
      id: meta._id ?? id,
      userId: meta._u ?? '',
      // fromEntries defines own properties, so a "__proto__" field cannot touch the prototype.
      data: Object.fromEntries(data) as T,
      createdAt: new Date(Number(meta._c)),
      expiresAt: new Date(Number(meta._e)),
    }
  }

  async function read(token: string | null | undefined, roll: number, age: number) {
    const parsed = parseToken(token)
    if (!parsed) return null
    return toSession(
      parsed.hash,
      await run(READ, keysOf(parsed.tag, parsed.hash), [parsed.hash, roll, age]),
    )
  }

  async function readMany(tag: string, ids: readonly string[]): Promise<Session<T>[]> {
    if (ids.length === 0) return []
    const keys = [indexKey(tag), epochKey(tag), ...ids.map((id) => sessionKey(tag, id))]
    const reply = await run(READ_MANY, keys, ids)
    if (!Array.isArray(reply)) return []
    return reply.flatMap((row) => toSession('', row) ?? [])
  }

  async function indexMembers(tag: string): Promise<string[]> {
    try {
      return await redis.zrange(indexKey(tag), 0, -1)
    } catch (error) {
      throw storeError(error)
    }
  }

  return {
    ttlSeconds: Math.ceil(ttlMs / 1000),

    async create(data) {
      if (typeof data?.userId !== 'string' || data.userId === '') {
        throw new SessionError(
          errors.E_SESSION_USER_ID_MISSING,
          'create() needs data with a non-empty string userId',
        )
      }
      const token = createToken(data.userId)
      const parsed = parseToken(token)
      if (!parsed) throw new SessionError(errors.E_SESSION_STORE, 'generated an unparsable token')
      const reply = await run(CREATE, keysOf(parsed.tag, parsed.hash), [
        data.userId,
        ttlMs,
        parsed.hash,
        ...fieldsOf(data),
      ])
      const [createdAt, expiresAt] = Array.isArray(reply) ? reply.map(Number) : []
      return {
        token,
        session: {
          id: parsed.hash,
          userId: data.userId,
          data,
          createdAt: new Date(createdAt ?? Number.NaN),
          expiresAt: new Date(expiresAt ?? Number.NaN),
        },
      }
    },

    async get(token) {
      return read(token, rollMs, updateAgeMs)
    },

    async touch(token) {
      return read(token, ttlMs, 0)
    },

    async update(token, patch) {
      const parsed = parseToken(token)
      if (!parsed) return null
      const set = fieldsOf(patch)
      const unset = Object.entries(patch)
        .filter(([, value]) => value === undefined)
        .map(([name]) => `${FIELD}${name}`)
      const userId = typeof patch.userId === 'string' ? patch.userId : ''
      if (patch.userId !== undefined && userId === '') {
        throw new SessionError(errors.E_SESSION_USER_ID_IMMUTABLE, 'update() cannot unset userId')
      }
      const reply = await run(UPDATE, keysOf(parsed.tag, parsed.hash), [
        parsed.hash,
        rollMs,
        userId,
        set.length / 2,
        ...set,
        ...unset,
      ])
      if (reply === -1) {
        throw new SessionError(
          errors.E_SESSION_USER_ID_IMMUTABLE,
          'update() cannot move a session to another user; create a new session instead',
        )
      }
      return toSession(parsed.hash, reply)
    },

    async destroy(token) {
      const parsed = parseToken(token)
      if (!parsed) return false
      const keys = [sessionKey(parsed.tag, parsed.hash), indexKey(parsed.tag)]
      return (await run(DESTROY, keys, [parsed.hash])) === 1
    },

    async destroyById(userId, id) {
      if (typeof id !== 'string' || id === '') return false
      const tag = userTag(userId)
      return (await run(DESTROY, [sessionKey(tag, id), indexKey(tag)], [id])) === 1
    },

    async listForUser(userId) {
      const tag = userTag(userId)
      return readMany(tag, await indexMembers(tag))
    },

    async destroyAllForUser(userId) {
      const tag = userTag(userId)
      const ids = await indexMembers(tag)
      const reply = await run(
        DESTROY_ALL,
        [indexKey(tag), epochKey(tag), ...ids.map((id) => sessionKey(tag, id))],
        [ttlMs, ...ids],
      )
      const [deleted, ...raced] = Array.isArray(reply) ? reply : [0]
      // Sessions created between the scan and the script are already dead by the epoch;
      // reading them deletes them and prunes the index.
      await readMany(tag, raced.map(String))
      return Number(deleted) + raced.length
    },
  }
}
