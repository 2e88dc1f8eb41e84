import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import type { RedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { startApiTargets } from '../../../../apps/api/bench/targets.ts'
// Not a public export: the app creates its cache without `l1` and has no flag for it yet (see
// the L1 rows below), so the scenario puts the same L1 the cache would build under the app.
import { L1 } from '../../../../packages/cache/src/l1.ts'
import { type Row, ratio, round, type Scenario } from '../scenario.ts'

// apps/api under HTTP load from autocannon on loopback, in this process: GET /products/:id
// (identity, sliding-window limit, cache-aside hit) against a bare Hono route served by the
// same @hono/node-server in the same process. Connections and duration are bounded.

const CONNECTIONS = 10

/** The part of autocannon's result used here (the package ships no types). */
type LoadResult = {
  requests: { average: number; total: number }
  latency: { p50: number; p99: number }
  non2xx: number
  errors: number
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string
  connections: number
  duration: number
}) => Promise<LoadResult>

async function load(name: string, url: string, seconds: number): Promise<Row> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  return {
    name,
    opsPerSec: Math.round(result.requests.average),
    p50Ms: round(result.latency.p50),
    p99Ms: round(result.latency.p99),
    samples: result.requests.total,
  }
}

const ROUNDS = 3

/** The round with the median req/s: on a shared machine one round can land in a stall. */
function median(rows: Row[]): Row {
  const sorted = [...rows].sort((a, b) => (a.opsPerSec ?? 0) - (b.opsPerSec ?? 0))
  const middle = sorted[Math.floor(sorted.length / 2)] as Row
  return { ...middle, samples: rows.reduce((sum, r) => sum + Number(r.samples ?? 0), 0) }
}

/** Alternating rounds of both targets, so a burst of load elsewhere hits both alike. */
async function pair(label: string, redis: RedisClient, seconds: number): Promise<[Row, Row]> {
  const targets = await startApiTargets(redis)
  try {
    // warm the JIT, the cache entry and the connections; not measured
    await autocannon({ url: targets.productUrl, connections: CONNECTIONS, duration: 1 })
    await autocannon({ url: targets.helloUrl, connections: CONNECTIONS, duration: 1 })
    const hello: Row[] = []
    const product: Row[] = []
    for (let round = 0; round < ROUNDS; round++) {
      hello.push(await load(`bare Hono GET /hello (${label})`, targets.helloUrl, seconds))
      product.push(await load(`GET /products/:id (${label})`, targets.productUrl, seconds))
    }
    return [median(product), median(hello)]
  } finally {
    await targets.close()
  }
}

const scenario: Scenario = {
  name: 'api',
  description:
    'apps/api under autocannon (10 connections, loopback, same process): req/s of GET /products/:id — identity, sliding-window rate limit, cache-aside hit — against a bare Hono hello route on the same server stack. Redis over TCP; the embedded default (Upstash SDK through @hotpath/redis-rest) is reported too.',
  async run({ redis: server, timeMs }) {
    const seconds = Math.max(1, Math.round(timeMs / 1000))
    // Auto-pipelining: the limit checks and cache reads of concurrent requests share writes.
    const tcp = createTcpRedis({ url: server.url, ioredis: { enableAutoPipelining: true } })
    const token = randomUUID()
    const rest = await startRestServer({ redis: server.url, token, port: 0 })
    const http = createUpstashRedis({ url: rest.url, token })
    try {
      const [productTcp, helloTcp] = await pair('tcp', tcp, seconds)
      // L1 over the cache's keys only (the product entries and tag tokens), as
      // createCache({ l1: { prefixes } }) builds it: the limiter and identity still go to Redis.
      const prefix = process.env.HOTPATH_KEY_PREFIX ? `${process.env.HOTPATH_KEY_PREFIX}:` : ''
      const l1 = new L1(tcp, [`${prefix}api:product:`, `${prefix}cache:tag:`])
      await l1.ready
      // Only reads go through L1, as with createCache({ l1 }), where the limiter and identity
      // hold the plain client: their writes (EVALSHA, pipelines) never pass L1's write path.
      const reads = new Proxy(tcp, {
        get: (target, property) =>
          property === 'get' || property === 'mget'
            ? Reflect.get(l1.client, property)
            : Reflect.get(target, property),
      })
      const [productL1, helloL1] = await pair('tcp, cache L1 on', reads, seconds)
      const l1Stats = l1.stats
      await l1.close()
      const [productRest, helloRest] = await pair('upstash → redis-rest', http, seconds)
      return {
        rows: [helloTcp, productTcp, helloL1, productL1, helloRest, productRest],
        ratios: {
          'GET /products/:id ÷ bare hello (tcp)': ratio(productTcp, helloTcp),
          'GET /products/:id ÷ bare hello (tcp, cache L1 on)': ratio(productL1, helloL1),
          'GET /products/:id ÷ bare hello (upstash → redis-rest)': ratio(productRest, helloRest),
        },
        goals: {
          'GET /products/:id ÷ bare hello (tcp)': '>= 0.6',
          'GET /products/:id ÷ bare hello (tcp, cache L1 on)': '>= 0.6',
        },
        notes: [
          `autocannon: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${seconds} s per target after a 1 s warm-up; the median round is shown`,
          'each request on /products/:id costs two sequential Redis round trips (limit script, cache read with its tag check); the hello route costs none',
          'tcp client with ioredis auto-pipelining, so concurrent requests share socket writes',
          `cache L1 on: the cache's reads of api:product:* and cache:tag:* are answered in process (CLIENT TRACKING keeps them coherent), leaving the limit script as the one round trip; L1 ${l1Stats.mode}, ${l1Stats.hits} hits, ${l1Stats.misses} misses. The app has no flag for createCache({ l1 }), so the scenario sends the app's GET/MGET through the cache's own L1 for those prefixes (everything else straight to Redis, as the limiter's client is in the app)`,
        ],
      }
    } finally {
      await http.close()
      await rest.close()
      await tcp.close()
    }
  },
}

export default scenario
