import type { BreakerState, DriverName, RedisClient } from './types'

export type HealthStatus = 'green' | 'yellow' | 'red'

export type Health = {
  status: HealthStatus
  /** PING round trip in milliseconds (time to failure when it failed). */
  latencyMs: number
  driver: DriverName | 'none'
  /** The client's circuit breaker; 'closed' for clients without one. */
  breaker: BreakerState
  /** Why the status is red, when a call failed or there is no client. */
  error?: string
}

/** Thresholds in ms: green below `yellowMs`, yellow up to `redMs`, red above or on failure. */
export const HEALTH_THRESHOLDS = { yellowMs: 50, redMs: 150 } as const

function breakerOf(client: RedisClient): BreakerState {
  return 'breaker' in client && typeof client.breaker === 'string'
    ? (client.breaker as BreakerState)
    : 'closed'
}

/** One PING, graded. Never throws: a missing or failing Redis is a red result. */
export async function checkHealth(client: RedisClient | null): Promise<Health> {
  if (!client)
    return {
      status: 'red',
      latencyMs: 0,
      driver: 'none',
      breaker: 'closed',
      error: 'Redis is not configured',
    }
  const started = performance.now()
  try {
    await client.ping()
    const latencyMs = Math.round((performance.now() - started) * 100) / 100
    const status: HealthStatus =
      latencyMs < HEALTH_THRESHOLDS.yellowMs
        ? 'green'
        : latencyMs <= HEALTH_THRESHOLDS.redMs
          ? 'yellow'
          : 'red'
    return { status, latencyMs, driver: client.driver, breaker: breakerOf(client) }
  } catch (error) {
    return {
      status: 'red',
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      driver: client.driver,
      breaker: breakerOf(client),
      error: error instanceof Error ? error.message : String(error),
    }
  }
}
