import { defineKeys, key } from '@hotpath/keys'

/**
 * Every key this package writes, under `namespace` (the limiter's `prefix`), itself under the
 * app's prefix (`HOTPATH_KEY_PREFIX`), which the registry applies as it does for every package.
 * The identifier is the cluster hash tag, so the keys one script touches (current and previous
 * window, the dynamic limit) share a slot.
 */
export function ratelimitKeys(namespace: string) {
  return defineKeys(
    {
      fixedWindow: key('fw:{identifier}:{window}', {
        slot: 'identifier',
        description: 'fixed-window counter, one per window number',
      }),
      slidingWindow: key('sw:{identifier}:{window}', {
        slot: 'identifier',
        description: 'sliding-window counter, one per window number',
      }),
      multiRegionFixedWindow: key('mrfw:{identifier}:{window}', {
        slot: 'identifier',
        description: 'MultiRegionRatelimit fixed window: hash of request id → cost, per region',
      }),
      multiRegionSlidingWindow: key('mrsw:{identifier}:{window}', {
        slot: 'identifier',
        description: 'MultiRegionRatelimit sliding window: hash of request id → cost, per region',
      }),
      tokenBucket: key('tb:{identifier}', {
        slot: 'identifier',
        description: 'token bucket: hash of refilledAt and tokens',
      }),
      slidingLog: key('sl:{identifier}', {
        slot: 'identifier',
        description: 'sliding log: sorted set of admitted requests scored by time',
      }),
      dynamicLimit: key('limit:{identifier}', {
        slot: 'identifier',
        description: 'per-identifier limit set with setDynamicLimit()',
      }),
      // Upstream's names, so a list kept by @upstash/ratelimit (or the Upstash console) under
      // the same prefix is the one read here. No hash tag: each is used alone.
      denyListAll: key('denyList:all', {
        description: 'set of denied identifiers, IPs, user agents, countries (enableProtection)',
      }),
      ipDenyList: key('denyList:ipDenyList', {
        description: 'the IP part of denyList:all, replaced on each refresh',
      }),
      ipDenyListStatus: key('ipDenyListStatus', {
        description: "'valid' until the next refresh, 'pending' while one runs, 'disabled'",
      }),
      globalDynamicLimit: key('dynamic:global', {
        description: 'limit for every identifier set with setDynamicLimit({ limit })',
      }),
      analytics: key('analytics:{minute}', {
        description: 'per-minute hash of allowed/blocked/denied counts per identifier',
      }),
    },
    { namespace },
  )
}

export type RatelimitKeys = ReturnType<typeof ratelimitKeys>
