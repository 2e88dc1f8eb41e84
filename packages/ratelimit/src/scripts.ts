import { defineScript } from '@hotpath/redis'

/*
 * One script per algorithm, one call per limit(). Every script takes the same ARGV so the
 * caller is one pipeline with a varying script:
 *   ARGV[1] limit (tokens, or max tokens)   ARGV[2] window or refill interval, ms
 *   ARGV[3] now, unix ms (the caller's clock, so `reset` is in the caller's time)
 *   ARGV[4] rate (cost; negative refunds)   ARGV[5] '1' = peek: decide, never write
 *   ARGV[6] dynamic limits, a sum of: 1 = a per-identifier limit key, 2 = the global limit
 *           key (last of KEYS; the per-identifier one before it), 4 = the global limit given
 *           by value in ARGV[8] (on a Cluster, where its key is in another slot)
 *   ARGV[7] algorithm extra (refill rate, request id)   ARGV[8] the global limit, with flag 4
 * ARGV[5..7] may be absent: a missing flag is off (the caller leaves off what is off).
 * and answers {allowed 0|1, remaining, reset unix ms as a decimal string, effective limit}.
 * reset travels as a string because Lua VMs with 32-bit integers (fengari, behind the memory
 * driver) wrap larger numbers on the way out; nil replies are read through num() because
 * some emulations hand Lua a truthy null instead of false. A refused request
 * writes nothing, so a blocked client cannot push its own window further out.
 * All keys of one call carry the identifier as hash tag: one cluster slot.
 */

const PREAMBLE = `
local function num(value, default)
  if type(value) == 'string' or type(value) == 'number' then return tonumber(value) or default end
  return default
end
local function ms(value) return string.format('%.0f', value) end
local limit = tonumber(ARGV[1])
-- floats on purpose: window * n overflows a 32-bit Lua integer
local window = tonumber(ARGV[2]) + 0.0
local now = tonumber(ARGV[3]) + 0.0
local rate = tonumber(ARGV[4])
local peek = ARGV[5] == '1'
local dynamicFlags = tonumber(ARGV[6]) or 0
local function dynamic(value)
  local d = num(value, nil)
  if d then limit = math.floor(d) end
end
-- global first, so the per-identifier limit wins over it
local lastKey = #KEYS
if math.floor(dynamicFlags / 2) % 2 == 1 then
  dynamic(redis.call('GET', KEYS[lastKey]))
  lastKey = lastKey - 1
end
if math.floor(dynamicFlags / 4) % 2 == 1 then dynamic(ARGV[8]) end
if dynamicFlags % 2 == 1 then dynamic(redis.call('GET', KEYS[lastKey])) end
`

export const fixedWindowScript = defineScript(`${PREAMBLE}
local used = num(redis.call('GET', KEYS[1]), 0)
local reset = (math.floor(now / window) + 1) * window
local allowed = rate <= 0 or used + rate <= limit
if peek or not allowed then
  return {allowed and 1 or 0, math.max(0, limit - used), ms(reset), limit}
end
if rate ~= 0 then
  used = redis.call('INCRBY', KEYS[1], rate)
  -- the bucket number is in the key; the TTL only cleans up, so set it once
  if used == rate then redis.call('PEXPIRE', KEYS[1], ms(window)) end
end
return {1, math.max(0, limit - used), ms(reset), limit}
`)

export const slidingWindowScript = defineScript(`${PREAMBLE}
local current = num(redis.call('GET', KEYS[1]), 0)
local previous = num(redis.call('GET', KEYS[2]), 0)
local start = math.floor(now / window) * window

-- @upstash/ratelimit's estimate: the previous window weighted by how much of it still overlaps
local function used(t, s, c, p)
  return math.floor((1 - (t - s) / window) * p) + c
end

-- earliest time a request of cost need fits if nothing else arrives
local function retryAt(need)
  if need > limit then return start + 2 * window end
  local s, c, p = start, current, previous
  if c + need > limit then s, c, p = start + window, 0, current end
  local t = s
  local room = limit - need - c + 1
  if p > 0 and room <= p then t = s + math.floor(window * (1 - room / p)) + 1 end
  if t < now then t = now end
  local tries = 0
  while t < s + window and used(t, s, c, p) + need > limit do
    tries = tries + 1
    if tries > 3 then return s + window end
    t = t + 1
  end
  if t > s + window then t = s + window end
  -- the closed form can land a millisecond late where floating point rounds the estimate
  -- down (1 - 0.8 is 0.19999…): step back while the millisecond before still fits
  local back = 0
  while back < 2 and t - 1 >= s and t - 1 >= now and used(t - 1, s, c, p) + need <= limit do
    t = t - 1
    back = back + 1
  end
  return t
end

local count = used(now, start, current, previous)
local allowed = rate <= 0 or count + rate <= limit
if peek or not allowed then
  local reset = start + window
  if not allowed then reset = retryAt(rate) end
  return {allowed and 1 or 0, math.max(0, limit - count), ms(reset), limit}
end
if rate ~= 0 then
  local value = redis.call('INCRBY', KEYS[1], rate)
  -- kept through the next window, where it is the weighted previous one
  if value == rate then redis.call('PEXPIRE', KEYS[1], ms(window * 2 + 1000)) end
  count = count + rate
end
return {1, math.max(0, limit - count), ms(start + window), limit}
`)

export const tokenBucketScript = defineScript(`${PREAMBLE}
local refill = tonumber(ARGV[7])
local bucket = redis.call('HMGET', KEYS[1], 'refilledAt', 'tokens')
local refilledAt, tokens = now, limit
if num(bucket[1], nil) and num(bucket[2], nil) then
  refilledAt = num(bucket[1], now)
  tokens = num(bucket[2], limit)
end
if now >= refilledAt + window then
  local refills = math.floor((now - refilledAt) / window)
  -- a refill caps at the limit; only a refund lifts the bucket above it (as @upstash/ratelimit)
  tokens = math.min(limit, tokens + refills * refill)
  refilledAt = refilledAt + refills * window
end
-- refills until the bucket holds n tokens; at least one, so a refusal never resets "now"
local function refillsFor(n) return math.max(1, math.ceil((n - tokens) / refill)) end
local allowed = rate <= 0 or tokens >= rate
if peek or not allowed then
  local reset = refilledAt + window
  -- more than the limit never fits by refilling: the earliest answer is when it is full
  if not allowed then reset = refilledAt + refillsFor(math.min(rate, limit)) * window end
  return {allowed and 1 or 0, math.max(0, tokens), ms(reset), limit}
end
tokens = tokens - rate
redis.call('HSET', KEYS[1], 'refilledAt', ms(refilledAt), 'tokens', tokens)
-- a missing bucket reads as full, so the key may go once it would have refilled (a bucket
-- above the limit is capped by its next refill)
redis.call('PEXPIRE', KEYS[1], ms(math.max(1, refilledAt + refillsFor(limit) * window - now)))
return {1, math.max(0, tokens), ms(refilledAt + window), limit}
`)

export const slidingLogScript = defineScript(`${PREAMBLE}
local since = '(' .. ms(now - window)
local count = redis.call('ZCOUNT', KEYS[1], since, '+inf')

-- when the entry at this position (0 = oldest still inside the window) leaves it
local function expiryOf(index)
  local entry = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES', 'LIMIT', index, 1)
  local score = num(entry[2], nil)
  if score then return score + window end
  return now + window
end

local allowed = rate <= 0 or count + rate <= limit
if peek or not allowed then
  local reset = now + window
  if not allowed and rate <= limit then
    reset = expiryOf(count + rate - limit - 1)
  elseif allowed and count > 0 then
    reset = expiryOf(0)
  end
  return {allowed and 1 or 0, math.max(0, limit - count), ms(reset), limit}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now - window))
if rate > 0 then
  for i = 1, rate do redis.call('ZADD', KEYS[1], ARGV[3], ARGV[7] .. ':' .. i) end
  redis.call('PEXPIRE', KEYS[1], ms(window))
elseif rate < 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], rate, -1)
end
count = math.max(0, count + rate)
local reset = now + window
if count > 0 then reset = expiryOf(0) end
return {1, math.max(0, limit - count), ms(reset), limit}
`)
