export type { Duration } from '@hotpath/core'
export type { AlgorithmName, Limiter } from './algorithms'
export { toMs } from './algorithms'
export type {
  AnalyticsAggregate,
  AnalyticsEvent,
  AnalyticsGeo,
  AnalyticsOutcome,
  AnalyticsPoint,
  AnalyticsQuery,
} from './analytics'
export { Analytics } from './analytics'
export type { IpDenyListSource } from './deny-list'
export { downloadIpDenyList, ThresholdError } from './deny-list'
export type { RatelimitErrorCode } from './errors'
export { errors, RatelimitError } from './errors'
export { rateLimitHeaders } from './http'
export { IpDenyList } from './ip-deny-list'
export type { MultiRegionRatelimitOptions } from './multi-region'
export { MultiRegionRatelimit } from './multi-region'
export type {
  AnalyticsOptions,
  FailureMode,
  LimitOptions,
  RatelimitOptions,
  RatelimitReason,
  RatelimitRedis,
  RatelimitResponse,
  RemainingResponse,
} from './ratelimit'
export { Ratelimit } from './ratelimit'
export {
  fixedWindowScript,
  slidingLogScript,
  slidingWindowScript,
  tokenBucketScript,
} from './scripts'
export type { UpstashRedisLike } from './upstash-sdk'
