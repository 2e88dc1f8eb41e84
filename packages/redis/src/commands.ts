/**
 * Commands that are safe to send twice: retrying them after a lost reply cannot change the
 * outcome. INCR, LPUSH, EVAL and friends are absent on purpose.
 */
const IDEMPOTENT = new Set([
  'GET',
  'MGET',
  'EXISTS',
  'TTL',
  'PTTL',
  'TYPE',
  'STRLEN',
  'HGET',
  'HGETALL',
  'HMGET',
  'HLEN',
  'HEXISTS',
  'HKEYS',
  'HVALS',
  'SMEMBERS',
  'SISMEMBER',
  'SCARD',
  'ZRANGE',
  'ZREVRANGE',
  'ZRANGEBYSCORE',
  'ZSCORE',
  'ZRANK',
  'ZREVRANK',
  'ZCARD',
  'ZCOUNT',
  'LRANGE',
  'LLEN',
  'LINDEX',
  'SCAN',
  'PING',
  'ECHO',
  'DBSIZE',
  'MSET',
  'DEL',
  'UNLINK',
  'EXPIRE',
  'PEXPIRE',
  'PERSIST',
  'HSET',
  'HDEL',
  'SADD',
  'SREM',
  'ZREM',
  'ZREMRANGEBYSCORE',
  'LTRIM',
])

function hasFlag(command: readonly unknown[], flag: string, from: number): boolean {
  for (let i = from; i < command.length; i++) {
    const arg = command[i]
    if (typeof arg === 'string' && arg.length === flag.length && arg.toUpperCase() === flag)
      return true
  }
  return false
}

/** `command` as sent: the upper-case name first. */
export function isIdempotent(command: readonly [string, ...unknown[]]): boolean {
  const name = command[0]
  // Flags follow the key (and, for SET, the value), so a value spelled 'get' is not a flag.
  if (name === 'SET') return !hasFlag(command, 'GET', 3)
  if (name === 'ZADD') return !hasFlag(command, 'INCR', 2)
  return name === 'SCRIPT' || IDEMPOTENT.has(name)
}
