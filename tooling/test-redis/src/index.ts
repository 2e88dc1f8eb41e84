import { inject } from 'vitest'

export { awayFromWindowEdge } from './clock.ts'
export type { RedisCluster, RedisServer, StartOptions } from './servers.ts'
export { freePort, rawCommand, reapOrphans, startCluster, startRedis } from './servers.ts'

export type RedisTargets = {
  standalone: { url: string; host: string; port: number }
  cluster: { host: string; port: number }[]
}

declare module 'vitest' {
  export interface ProvidedContext {
    hotpathRedis: RedisTargets
  }
}

/** The servers started by `@hotpath/test-redis/global-setup` for this run. */
export function redisTargets(): RedisTargets {
  const targets = inject('hotpathRedis')
  if (!targets) {
    throw new Error(
      "No test Redis: add globalSetup: ['@hotpath/test-redis/global-setup'] to this package's vitest config",
    )
  }
  return targets
}
