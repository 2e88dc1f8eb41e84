import type { KeyRef } from '@hotpath/keys'
import type { RedisClient } from '@hotpath/redis'
import { checkKeyText, invalidArgument, isKeyRef, isWellFormed } from './arguments'
import { CacheError, errors } from './errors'

/**
 * Where a leaderboard or flag set lives: a key string, a KeyRef, or a registry definition
 * without parameters (called to get its KeyRef).
 */
export type StructureKey = string | KeyRef | (() => KeyRef)

type Resolved = { key: string; ttlSeconds: number | undefined }

function resolve(target: StructureKey, what: string): Resolved {
  if (typeof target === 'string') {
    checkKeyText(target, what)
    return { key: target, ttlSeconds: undefined }
  }
  const ref: unknown = typeof target === 'function' ? target() : target
  if (!isKeyRef(ref)) {
    throw invalidArgument(
      what,
      'a key string, a KeyRef or a key definition without parameters',
      target,
    )
  }
  return { key: ref.key, ttlSeconds: ref.ttl }
}

/** A member or user id: any string Redis can hold (the empty one included). */
function checkMember(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !isWellFormed(value)) {
    throw invalidArgument(what, 'a string of well-formed Unicode (no lone surrogate)', value)
  }
}

function checkNumber(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(what, 'a finite number', value)
  }
}

export type LeaderboardRow = { member: string; score: number; rank: number }

export type Leaderboard = {
  readonly key: string
  /** Sets the member's score. */
  add(member: string, score: number): Promise<void>
  /** Adds to the member's score; returns the new score. */
  incr(member: string, by?: number): Promise<number>
  /** The `n` best members, highest score first; rank 1 is the best. */
  top(n: number): Promise<LeaderboardRow[]>
  /** The member's rank (1 = best) and score, or null when it has none. */
  rank(member: string): Promise<{ rank: number; score: number } | null>
  remove(member: string): Promise<boolean>
}

/**
 * A sorted set with highest-first ranks. Unlike cache reads, these calls reject when Redis
 * fails: a leaderboard is state, not a copy of it, and a silent zero would be a wrong answer.
 */
export function createLeaderboard(redis: RedisClient | null, target: StructureKey): Leaderboard {
  const { key, ttlSeconds } = resolve(target, 'leaderboard() key')
  const client = () => {
    if (!redis) throw new CacheError(errors.E_NO_REDIS, 'a leaderboard needs Redis')
    return redis
  }
  // A definition's ttl bounds the whole board (a daily board expires); refreshed on each write.
  const touch = (commands: (readonly [string, ...(string | number)[]])[]) =>
    ttlSeconds === undefined
      ? commands
      : [...commands, ['EXPIRE', key, Math.ceil(ttlSeconds)] as const]
  return {
    key,
    async add(member, score) {
      checkMember(member, 'leaderboard add() member')
      checkNumber(score, 'leaderboard add() score')
      await client().pipeline(touch([['ZADD', key, score, member]]))
    },
    async incr(member, by = 1) {
      checkMember(member, 'leaderboard incr() member')
      checkNumber(by, 'leaderboard incr() by')
      const [score] = await client().pipeline(touch([['ZINCRBY', key, by, member]]))
      return Number(score)
    },
    async top(n) {
      if (!Number.isSafeInteger(n))
        throw invalidArgument('leaderboard top() n', 'a whole number', n)
      if (n <= 0) return []
      const rows = await client().zrangeWithScores(key, 0, n - 1, { rev: true })
      return rows.map((row, index) => ({ member: row.member, score: row.score, rank: index + 1 }))
    },
    async rank(member) {
      checkMember(member, 'leaderboard rank() member')
      const [rank, score] = await client().pipeline([
        ['ZREVRANK', key, member],
        ['ZSCORE', key, member],
      ])
      if (rank === null || rank === undefined || score === null || score === undefined) return null
      return { rank: Number(rank) + 1, score: Number(score) }
    },
    async remove(member) {
      checkMember(member, 'leaderboard remove() member')
      return (await client().zrem(key, member)) > 0
    },
  }
}

export type Flags = {
  readonly key: string
  enable(userId: string): Promise<void>
  disable(userId: string): Promise<void>
  /**
   * One SISMEMBER, so it fits edge middleware over the HTTP driver. False when there is no
   * Redis or Redis fails: a flag is off unless Redis says it is on.
   */
  isEnabled(userId: string): Promise<boolean>
}

/** A per-user feature flag as one Redis set. */
export function createFlags(redis: RedisClient | null, target: StructureKey): Flags {
  const { key } = resolve(target, 'flags() key')
  const client = () => {
    if (!redis) throw new CacheError(errors.E_NO_REDIS, 'flags need Redis to be changed')
    return redis
  }
  return {
    key,
    async enable(userId) {
      checkMember(userId, 'flags enable() userId')
      await client().sadd(key, userId)
    },
    async disable(userId) {
      checkMember(userId, 'flags disable() userId')
      await client().srem(key, userId)
    },
    async isEnabled(userId) {
      checkMember(userId, 'flags isEnabled() userId')
      if (!redis) return false
      try {
        return (await redis.sismember(key, userId)) === 1
      } catch {
        return false
      }
    },
  }
}
