import { type Cache, createCache } from '@hotpath/cache'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { Redis } from 'ioredis'
import { measureInterleaved, type Row, ratio, round, type Scenario } from '../scenario.ts'

const VALUE = { id: 42, name: 'Ada Lovelace', tier: 'pro', flags: ['beta', 'early'], score: 9.5 }
const TOKEN = 'bench-l1'
const SAMPLES = 200

const loader = async () => VALUE

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

/**
 * From an acknowledged write on instance A to the eviction on instance B: B holds the key in
 * L1, A writes, and B's eviction counter is polled on every turn of the event loop.
 */
async function invalidationLatency(a: Cache, b: Cache, key: string): Promise<Omit<Row, 'name'>> {
  const latencies: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    await b.getOrSet(key, loader)
    await b.getOrSet(key, loader)
    const before = b.l1Stats()?.evictions ?? 0
    await a.set(key, { ...VALUE, score: i })
    const acknowledged = performance.now()
    const deadline = acknowledged + 1000
    while ((b.l1Stats()?.evictions ?? 0) === before && performance.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    latencies.push(performance.now() - acknowledged)
  }
  latencies.sort((x, y) => x - y)
  return {
    p50Ms: round(quantile(latencies, 0.5)),
    p99Ms: round(quantile(latencies, 0.99)),
    samples: latencies.length,
  }
}

const scenario: Scenario = {
  name: 'l1',
  description:
    "getOrSet hits with `l1` on (tcp, CLIENT TRACKING) against a raw ioredis GET of the same entry on the same Redis, and against bentocache's L1 (memory) + L2 (Redis) with its Redis bus; invalidation latency from an acknowledged write on instance A to the eviction on instance B, over tcp (tracking) and over the upstash driver + `hotpath-redis-rest` (SSE messages).",
  async run({ redis: server, timeMs }) {
    const ioredis = new Redis(server.url)
    const clientA = createTcpRedis({ url: server.url })
    const clientB = createTcpRedis({ url: server.url })
    const a = createCache({ redis: clientA, prefix: 'l1a', l1: true })
    const b = createCache({ redis: clientB, prefix: 'l1b', l1: true })
    const l2Only = createCache({ redis: createTcpRedis({ url: server.url }), prefix: 'l2' })
    const bento = new BentoCache({
      default: 'tiered',
      prefix: 'bento',
      stores: {
        tiered: bentostore()
          .useL1Layer(memoryDriver({ maxSize: '16mb' }))
          .useL2Layer(redisDriver({ connection: ioredis }))
          .useBus(redisBusDriver({ connection: { host: server.host, port: server.port } })),
      },
    })
    await Promise.all([a.l1Ready(), b.l1Ready()])
    await a.set('hot', VALUE, { ttl: '1h' })
    await l2Only.set('hot', VALUE, { ttl: '1h' })
    await bento.getOrSet({ key: 'hot', factory: loader, ttl: '1h' })
    const rawKey = 'raw:hot'
    await ioredis.set(rawKey, JSON.stringify(VALUE))

    const rows: Row[] = await measureInterleaved(
      {
        'raw ioredis GET (anchor)': () => ioredis.get(rawKey),
        'getOrSet hit, hotpath L1 + L2': () => a.getOrSet('hot', loader),
        'getOrSet hit, hotpath L2 only': () => l2Only.getOrSet('hot', loader),
        'getOrSet hit, bentocache L1 + L2 + bus': () =>
          bento.getOrSet({ key: 'hot', factory: loader, ttl: '1h' }),
      },
      { timeMs: timeMs * 3 },
    )
    const row = (name: string) => rows.find((r) => r.name === name)

    // Both instances on one prefix for the invalidation runs.
    const shared = [clientA, clientB].map((redis) =>
      createCache({ redis, prefix: 'l1shared', l1: true }),
    )
    await Promise.all(shared.map((cache) => cache.l1Ready()))
    rows.push({
      name: 'invalidation A write → B eviction, tcp (tracking)',
      ...(await invalidationLatency(shared[0] as Cache, shared[1] as Cache, 'inv:tcp')),
    })

    const rest = await startRestServer({ redis: server.url, token: TOKEN, port: 0 })
    const httpA = createUpstashRedis({ url: rest.url, token: TOKEN })
    const httpB = createUpstashRedis({ url: rest.url, token: TOKEN })
    const overHttp = [httpA, httpB].map((redis) =>
      createCache({ redis, prefix: 'l1http', l1: true }),
    )
    await Promise.all(overHttp.map((cache) => cache.l1Ready()))
    rows.push({
      name: 'invalidation A write → B eviction, HTTP (SSE messages)',
      ...(await invalidationLatency(overHttp[0] as Cache, overHttp[1] as Cache, 'inv:http')),
    })

    const tcpRow = row('invalidation A write → B eviction, tcp (tracking)')
    const httpRow = row('invalidation A write → B eviction, HTTP (SSE messages)')
    const result = {
      rows,
      ratios: {
        'L1 hit / raw ioredis GET': ratio(
          row('getOrSet hit, hotpath L1 + L2'),
          row('raw ioredis GET (anchor)'),
        ),
        'hotpath L1+L2 hit / bentocache L1+L2 hit': ratio(
          row('getOrSet hit, hotpath L1 + L2'),
          row('getOrSet hit, bentocache L1 + L2 + bus'),
        ),
        'tcp invalidation p99 ms': Number(tcpRow?.p99Ms),
        'HTTP invalidation p99 ms': Number(httpRow?.p99Ms),
      },
      goals: {
        'L1 hit / raw ioredis GET': '>= 50',
        'hotpath L1+L2 hit / bentocache L1+L2 hit': '>= 1.0',
        'tcp invalidation p99 ms': '<= 5',
        'HTTP invalidation p99 ms': '<= 50',
      },
    }
    await Promise.all([...shared, ...overHttp, a, b].map((cache) => cache.close()))
    await Promise.all([clientA, clientB, httpA, httpB].map((c) => c.close()))
    await l2Only.redis?.close()
    await rest.close()
    await bento.disconnect()
    ioredis.disconnect()
    return result
  },
}

export default scenario
