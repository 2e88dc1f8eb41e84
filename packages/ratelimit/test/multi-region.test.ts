import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { awayFromWindowEdge, rawCommand, startRedis } from '@hotpath/test-redis'
import { beforeEach, describe, expect, it } from 'vitest'
import { MultiRegionRatelimit } from '../src/index'
import { uniquePrefix } from './fixtures'

beforeEach(() => awayFromWindowEdge(3_600_000))

/** Region "near": in-process, answers at once. Region "far": a real server we can stall. */
async function regions() {
  const near = createMemoryRedis()
  const server = await startRedis()
  const far = createTcpRedis({ url: server.url, timeoutMs: 20_000, breakerThreshold: 1_000_000 })
  return {
    near,
    far,
    /** The far region holds every command for `ms`, as a distant region would. */
    stallFar: (ms: number) => rawCommand(server.port, ['CLIENT', 'PAUSE', String(ms)]),
    async [Symbol.asyncDispose]() {
      await Promise.allSettled([near.close(), far.close()])
      await server.stop()
    },
  }
}

describe.each(['fixedWindow', 'slidingWindow'] as const)('MultiRegionRatelimit.%s', (algorithm) => {
  it('counts across regions after the sync in `pending`', async () => {
    await using r = await regions()
    const prefix = uniquePrefix()
    const rl = new MultiRegionRatelimit({
      redis: [r.near, r.far],
      limiter: MultiRegionRatelimit[algorithm](3, '1 h'),
      prefix,
    })
    const results = []
    for (let i = 0; i < 4; i++) {
      const result = await rl.limit('user')
      await result.pending
      results.push([result.success, result.remaining])
    }
    expect(results).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ])
    // both regions hold the same three requests
    const farOnly = new MultiRegionRatelimit({
      redis: [r.far],
      limiter: MultiRegionRatelimit[algorithm](3, '1 h'),
      prefix,
    })
    expect(await farOnly.getRemaining('user')).toMatchObject({ remaining: 0, limit: 3 })
  })

  it('when regions disagree the first to answer decides; the sync then makes the other count', async () => {
    await using r = await regions()
    const prefix = uniquePrefix()
    const limiter = MultiRegionRatelimit[algorithm](3, '1 h')
    // the far region alone has seen the identifier use its whole limit
    const farOnly = new MultiRegionRatelimit({ redis: [r.far], limiter, prefix })
    for (let i = 0; i < 3; i++) await (await farOnly.limit('user')).pending
    const both = new MultiRegionRatelimit({ redis: [r.near, r.far], limiter, prefix })
    // the in-process Lua VM compiles a script on first use: warm it outside the race
    await new MultiRegionRatelimit({ redis: [r.near], limiter, prefix }).getRemaining('warm')
    await r.stallFar(1000)
    const admitted = await both.limit('user')
    // eventual consistency, as upstream: the near region had seen nothing, so it admits
    expect(admitted).toMatchObject({ success: true, remaining: 2 })
    await admitted.pending
    // the sync copied the far region's three requests into the near one: now it refuses
    await r.stallFar(1000)
    expect(await both.limit('user')).toMatchObject({ success: false, remaining: 0 })
    // the far region was at the limit, so it was not given the near region's request
    expect(await farOnly.getRemaining('user')).toMatchObject({ remaining: 0 })
  })
})
