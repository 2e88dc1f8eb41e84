export type { Duration } from '@hotpath/core'
export type { AlgorithmName, Limiter } from './algorithms'
export { toMs } from './algorithms'
export type { AnalyticsOutcome, AnalyticsPoint, AnalyticsQuery } from './analytics'
export type { RatelimitErrorCode } from './errors'
export { errors, RatelimitError } from './errors'
export { rateLimitHeaders } from './http'
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
