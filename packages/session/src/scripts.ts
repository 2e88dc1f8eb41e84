import { defineScript } from '@hotpath/redis'

/*
 * Every script takes the keys of one user, which share a hash slot ({user tag}), so each runs
 * atomically on one node, cluster or not. A session is a hash: `_u` userId, `_c` createdAt ms,
 * `_e` expiresAt ms, `_g` the user's epoch at creation, and one `d:<name>` field per top-level
 * data property (serialized), so an update patches fields in place with no read-modify-write.
 * The per-user index is a sorted set of session ids scored by expiresAt ms. The epoch is a
 * counter that destroyAllForUser increments: a session whose `_g` is below it is dead, even one
 * created concurrently that the index scan did not see.
 * Time comes from the Redis node (TIME), so app servers with skewed clocks agree on expiry.
 */
const PRELUDE = `
-- Milliseconds as floats, written with %.0f: exact in Redis's Lua 5.1 and in hosts whose Lua
-- integers are 32-bit (ioredis-mock, behind the memory driver), where * 1000 would overflow.
local function ms(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
local function epochOf(key)
  return tonumber(redis.call('GET', key)) or 0
end
-- Keep a key alive at least until 'at' (ms). A fresh index (no TTL yet) gets one; a persistent
-- or missing epoch is left alone.
local function outlive(key, at, fresh)
  local left = redis.call('PTTL', key)
  if left == -2 then return end
  if (left == -1 and fresh) or (left >= 0 and now + left < at) then
    redis.call('PEXPIREAT', key, ms(at))
  end
end
local function extend(session, index, epoch, member, duration)
  local expires = now + duration
  redis.call('HSET', session, '_e', ms(expires))
  redis.call('PEXPIREAT', session, ms(expires))
  redis.call('ZADD', index, ms(expires), member)
  outlive(index, expires, true)
  outlive(epoch, expires, false)
  return expires
end
`

/** KEYS session, index, epoch · ARGV userId, ttlMs, member, field, value, … → {createdAt, expiresAt} */
export const CREATE = defineScript(`${PRELUDE}
local epoch = epochOf(KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(now))
-- One pair per HSET: some Lua hosts (ioredis-mock, the memory driver) take only one.
redis.call('HSET', KEYS[1], '_u', ARGV[1])
redis.call('HSET', KEYS[1], '_c', ms(now))
redis.call('HSET', KEYS[1], '_g', tostring(epoch))
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local expires = extend(KEYS[1], KEYS[2], KEYS[3], ARGV[3], tonumber(ARGV[2]))
return {ms(now), ms(expires)}
`)

/** Shared head of READ and UPDATE: nil unless the session exists and its epoch is current. */
const LIVE = `
local meta = redis.call('HMGET', KEYS[1], '_u', '_g', '_e')
local generation = tonumber(meta[2])
if not meta[1] or not generation then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
if generation < epochOf(KEYS[3]) then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
`

/**
 * KEYS session, index, epoch · ARGV member, rollMs (0: read only), updateAgeMs
 * → HGETALL of the session, or nil when missing, expired or revoked by the epoch.
 * A rolling read extends only once `updateAgeMs` of the lifetime has passed since the last
 * extension: most reads then write nothing (four writes and two PTTLs saved per read).
 */
export const READ = defineScript(`${PRELUDE}${LIVE}
local roll = tonumber(ARGV[2])
if roll > 0 and (tonumber(meta[3]) or 0) - now <= roll - tonumber(ARGV[3]) then
  extend(KEYS[1], KEYS[2], KEYS[3], ARGV[1], roll)
end
return redis.call('HGETALL', KEYS[1])
`)

/**
 * KEYS session, index, epoch · ARGV member, rollMs, userId ('' when the patch has none),
 * number of fields to set, field, value, …, field to delete, …
 * → like READ, or -1 when the patch would move the session to another user.
 */
export const UPDATE = defineScript(`${PRELUDE}${LIVE}
if ARGV[3] ~= '' and ARGV[3] ~= meta[1] then return -1 end
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for j = i, #ARGV do redis.call('HDEL', KEYS[1], ARGV[j]) end
local roll = tonumber(ARGV[2])
if roll > 0 then extend(KEYS[1], KEYS[2], KEYS[3], ARGV[1], roll) end
return redis.call('HGETALL', KEYS[1])
`)

/** KEYS session, index · ARGV member → 1 when a session was deleted */
export const DESTROY = defineScript(`
local deleted = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return deleted
`)

/**
 * KEYS index, epoch, session… · ARGV member… (same order as the session keys)
 * → one HGETALL per live session, with `_id` = member appended; prunes the index of expired,
 * missing and revoked entries and deletes revoked sessions.
 */
export const READ_MANY = defineScript(`${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now))
local epoch = epochOf(KEYS[2])
local out = {}
for i = 1, #ARGV do
  local key = KEYS[i + 2]
  local g = tonumber(redis.call('HGET', key, '_g'))
  if not g then
    redis.call('ZREM', KEYS[1], ARGV[i])
  elseif g < epoch then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], ARGV[i])
  else
    local all = redis.call('HGETALL', key)
    table.insert(all, '_id')
    table.insert(all, ARGV[i])
    table.insert(out, all)
  end
end
return out
`)

/**
 * KEYS index, epoch, session… · ARGV ttlMs, member…
 * Raises the epoch first: from here on no session created before this script can be read,
 * including one the caller's index scan missed. Then deletes the sessions it was given.
 * → {deleted, member still in the index…} (sessions created between scan and script).
 */
export const DESTROY_ALL = defineScript(`${PRELUDE}
redis.call('INCR', KEYS[2])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local until_ = now + tonumber(ARGV[1])
if newest[2] and tonumber(newest[2]) > until_ then until_ = tonumber(newest[2]) end
local left = redis.call('PTTL', KEYS[2])
if left >= 0 and now + left > until_ then until_ = now + left end
redis.call('PEXPIREAT', KEYS[2], ms(until_))
local deleted = 0
for i = 2, #ARGV do
  deleted = deleted + redis.call('DEL', KEYS[i + 1])
  redis.call('ZREM', KEYS[1], ARGV[i])
end
local out = {deleted}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do table.insert(out, member) end
return out
`)

export const SCRIPTS = { CREATE, READ, UPDATE, DESTROY, READ_MANY, DESTROY_ALL } as const
