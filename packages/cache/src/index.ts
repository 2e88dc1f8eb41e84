export type { Duration } from '@hotpath/core'
export { Cache, createCache } from './cache'
export type { CacheErrorCode } from './errors'
export { CacheError, errors } from './errors'
export type { CacheEventMap, CacheEventName, CacheListener } from './events'
export type { L1Mode, L1Options, L1Stats } from './l1'
export type { Lock, LockOptions } from './lock/lock'
export type { CacheOptions, CachePolicy } from './options'
export { DEFAULT_POLICY } from './options'
export type {
  CacheKey,
  GetOptions,
  GetOrSetOptions,
  Loader,
  LoaderContext,
  SetOptions,
} from './plan'
export type { SchemaLike } from './schema'
export { scripts } from './scripts'
export type { CacheCounters, CacheStats } from './stats'
export type { Flags, Leaderboard, LeaderboardRow, StructureKey } from './structures'
export type { WarmEntry, WarmOptions, WarmResult } from './warm'
