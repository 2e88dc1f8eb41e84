import { defineScript } from '@hotpath/redis'

/**
 * Deletes KEYS[1] only while it still holds our token ARGV[1]. A GET then DEL from the client
 * would race: the lock can expire and be taken by someone else between the two calls.
 */
export const releaseScript = defineScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

/** Sets a new expiry of ARGV[2] ms on KEYS[1] only while it still holds our token ARGV[1]. */
export const extendScript = defineScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

/**
 * Takes the lock KEYS[1] (SET NX PX) and, only on success, issues the next fencing token from
 * KEYS[2]; both keys share a hash slot. The token is max(server time in µs, last token + 1):
 * strictly increasing per resource, and still increasing after the counter key expires, so the
 * counter can expire (ARGV[3] ms) instead of accumulating one key per resource forever.
 * Re-running it with the token that already holds the lock returns the same fencing token, so
 * a caller may retry after a timeout that hid whether the first attempt took the lock.
 * Returned as a string because Lua numbers are doubles and a reply integer would be truncated
 * silently by some drivers; µs since the epoch stays below 2^53.
 */
export const acquireScript = defineScript(`local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('GET', KEYS[2])
end
if holder then
  return false
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = math.max(now, last + 1)
local text = string.format('%.0f', token)
redis.call('SET', KEYS[2], text, 'PX', ARGV[3])
return text`)

export const scripts = { releaseScript, extendScript, acquireScript }
