import { createRequire } from 'node:module'
import { Redis as IORedis } from 'ioredis'
import { measureConcurrent, type Row, ratio, round, type Scenario } from '../scenario.ts'
import { startCliServer } from './redis-rest.ts'

// The REST server's own ceiling: autocannon (not an SDK) drives the CLI server in its own
// process with many connections, single commands and /pipeline bodies, against ioredis
// itself on the same Redis. Commands per second, not requests, so the two compare.

const TOKEN = 'bench-token'
const KEY = 'bench:rest-server:key'
const CONNECTIONS = 50
const PIPELINE = 10

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
  method: string
  headers: Record<string, string>
  body: string
}) => Promise<LoadResult>

async function load(name: string, url: string, body: string, commands: number, seconds: number) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  return {
    name,
    opsPerSec: Math.round(result.requests.average * commands),
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: round(result.latency.p50),
    p99Ms: round(result.latency.p99),
    samples: result.requests.total,
  } satisfies Row
}

const ANCHOR = 'GET via ioredis (anchor), 50 concurrent callers'
const SINGLE = 'GET as single-command requests (POST /), autocannon 50 connections'
const PIPELINED = `GET in /pipeline bodies of ${PIPELINE}, autocannon 50 connections`

const scenario: Scenario = {
  name: 'redis-rest-server',
  description: `hotpath-redis-rest alone in its own process under autocannon (${CONNECTIONS} connections): GET commands/s as single-command requests and in /pipeline bodies of ${PIPELINE}, against ioredis GET on the same Redis.`,
  async run({ redis: server, timeMs }) {
    const ioredis = new IORedis(server.url)
    await ioredis.set(KEY, 'value')
    const rest = await startCliServer(server.url)
    const seconds = Math.max(1, Math.round(timeMs / 1000))
    const single = JSON.stringify(['GET', KEY])
    const pipeline = JSON.stringify(Array.from({ length: PIPELINE }, () => ['GET', KEY]))
    // warm the server's JIT and sockets
    await load('warm', rest.url, single, 1, 1)
    await load('warm', `${rest.url}/pipeline`, pipeline, PIPELINE, 1)
    await measureConcurrent(() => ioredis.get(KEY), {
      concurrency: CONCURRENCY_IO,
      durationMs: 300,
    })
    const rows: Row[] = [
      {
        name: ANCHOR,
        ...(await measureConcurrent(() => ioredis.get(KEY), {
          concurrency: CONCURRENCY_IO,
          durationMs: timeMs,
        })),
      },
      await load(SINGLE, rest.url, single, 1, seconds),
      await load(PIPELINED, `${rest.url}/pipeline`, pipeline, PIPELINE, seconds),
    ]
    await rest.stop()
    ioredis.disconnect()
    const row = (name: string) => rows.find((r) => r.name === name)
    return {
      rows,
      ratios: {
        'server, single commands / ioredis': ratio(row(SINGLE), row(ANCHOR)),
        [`server, /pipeline of ${PIPELINE} / ioredis`]: ratio(row(PIPELINED), row(ANCHOR)),
      },
      goals: { 'server, single commands / ioredis': '>= 0.5' },
      notes: [
        'opsPerSec counts GET commands (requests × commands per request). autocannon shares the bench process with nothing else; the server has its own process, as deployed.',
      ],
    }
  },
}

const CONCURRENCY_IO = 50

export default scenario
