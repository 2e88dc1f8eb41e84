import { type Duration, parseDuration } from '@hotpath/core'
import type { RedisClient } from '@hotpath/redis'
import { defineInternalKeys, type InternalKeys } from '../internal-keys'
import { DEFAULT_TAG_RETENTION, IN_SECONDS } from '../options'
import { TagManifest } from './tag-manifest'

export type NextHandlerOptions = {
  /** Any hotpath driver, Upstash HTTP included. `null` makes the handler cache nothing. */
  redis: RedisClient | null
  /**
   * Prefix for the handler's keys. Defaults to the key registry's default (`HOTPATH_KEY_PREFIX`).
   * @default undefined
   */
  prefix?: string
  /**
   * How long a tag revalidation is remembered; entries never live longer than this. At least
   * 1 s; a number is seconds (deprecated: write the unit).
   * @default '7d'
   */
  tagRetention?: Duration | number
  /**
   * How long an entry without an `expire` of its own lives in Redis. At least 1 s; a number is
   * seconds (deprecated).
   * @default '7d'
   */
  defaultTtl?: Duration | number
  /**
   * Called when Redis fails; the handler then answers as if the entry were absent.
   * @default logs with console.warn
   */
  onError?: (error: unknown, operation: string) => void
}

export type HandlerContext = {
  redis: RedisClient | null
  keys: InternalKeys
  manifest: TagManifest | null
  retentionMs: number
  defaultTtlMs: number
  onError: (error: unknown, operation: string) => void
}

export function createHandlerContext(options: NextHandlerOptions): HandlerContext {
  const keys = defineInternalKeys(options.prefix).keys
  const atLeastASecond = { ...IN_SECONDS, min: 1000 }
  const retentionMs = parseDuration(
    options.tagRetention === undefined ? DEFAULT_TAG_RETENTION : options.tagRetention,
    'tagRetention',
    atLeastASecond,
  )
  const defaultTtlMs = parseDuration(
    options.defaultTtl === undefined ? '7d' : options.defaultTtl,
    'defaultTtl',
    atLeastASecond,
  )
  return {
    redis: options.redis,
    keys,
    manifest: options.redis
      ? new TagManifest(options.redis, (tag) => keys.nextTag({ tag }).key, retentionMs)
      : null,
    retentionMs,
    defaultTtlMs,
    onError:
      options.onError ??
      ((error, operation) => console.warn(`[hotpath:cache/next] ${operation} failed`, error)),
  }
}

/** The Redis TTL of an entry: its own lifetime, bounded by the tag retention window. */
export function entryTtlMs(context: HandlerContext, expireSeconds: number | undefined): number {
  const own =
    expireSeconds !== undefined && Number.isFinite(expireSeconds) && expireSeconds > 0
      ? expireSeconds * 1000
      : context.defaultTtlMs
  return Math.max(1, Math.floor(Math.min(own, context.retentionMs)))
}
