import { disableIpDenyList, ThresholdError, updateIpDenyList } from './deny-list'

/**
 * `@upstash/ratelimit`'s `IpDenyList` namespace, as an object: `IpDenyList.updateIpDenyList(
 * redis, prefix, threshold, ttl?, source?)` takes a fifth argument, the list (or a function
 * returning it), so the refresh does not depend on GitHub being reachable.
 */
export const IpDenyList = { ThresholdError, updateIpDenyList, disableIpDenyList } as const
