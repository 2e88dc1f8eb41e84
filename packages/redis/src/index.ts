export type { ClientOptions } from './client'
export { createClient } from './client'
export type { CreateRedisOptions } from './env'
export { createRedis, getRedis, resetRedis } from './env'
export type { RedisErrorCode } from './errors'
export { errors, RedisError } from './errors'
export type { Health, HealthStatus } from './health'
export { checkHealth, HEALTH_THRESHOLDS } from './health'
export type { CacheHelpers, CacheKey } from './helpers'
export { createCacheHelpers, deleteCache, getCache, setCache } from './helpers'
export type { ResilienceOptions } from './resilience'
export { RESILIENCE_DEFAULTS } from './resilience'
export type { Script } from './scripts'
export { defineScript, runScript } from './scripts'
export type { Deserialized } from './serializer'
export { deserialize, serialize } from './serializer'
export type { Sender, Settled, Transport } from './transports/transport'
export type {
  BreakerState,
  ClientEvents,
  ClientStats,
  Command,
  DriverName,
  ListEnd,
  ManagedRedisClient,
  MessageHandler,
  QuotaUsage,
  RedisClient,
  ScanOptions,
  ScoreBound,
  SetOptions,
  TrackingEvent,
  TrackingListener,
  Unsubscribe,
  ZAddOptions,
  ZMember,
} from './types'
