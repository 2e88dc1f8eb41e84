import type { RedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { countRoundTrips } from '@hotpath/redis/testing/round-trips'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { startRestServer } from '@hotpath/redis-rest/node'
import { createSessionStore } from '@hotpath/session'
import { measure, type Row, ratio, type Scenario } from '../scenario'

async function roundTripsPerRead(read: () => Promise<unknown>, count: () => number) {
  await read() // loads the script (NOSCRIPT → EVAL) outside the count
  const before = count()
  const reads = 100
  for (let i = 0; i < reads; i++) await read()
  return (count() - before) / reads
}

async function runOn(label: string, redis: RedisClient, timeMs: number, requests?: () => number) {
  const counted = countRoundTrips(redis)
  type Data = { userId: string; role: string; theme: string }
  const rolling = createSessionStore<Data>({
    redis: counted.client,
    prefix: 'bench',
    rolling: true,
  })
  const fixed = createSessionStore<Data>({ redis: counted.client, prefix: 'bench', rolling: false })
  const { token } = await rolling.create({ userId: 'bench-user', role: 'admin', theme: 'dark' })
  const { session } = await rolling.create({ userId: 'bench-user', role: 'admin', theme: 'dark' })
  // The anchor reads a value of the same size as the stored session, on the same connection.
  const rawKey = `bench:raw:${label}`
  await redis.set(rawKey, JSON.stringify(session))

  const trips = await roundTripsPerRead(() => rolling.get(token), counted.count)
  let httpTrips: number | undefined
  if (requests) {
    const before = requests()
    for (let i = 0; i < 100; i++) await rolling.get(token)
    httpTrips = (requests() - before) / 100
  }

  const rows = await measure(
    {
      [`raw GET (${label})`]: () => redis.get(rawKey),
      [`session get, rolling (${label})`]: () => rolling.get(token),
      [`session get, fixed expiry (${label})`]: () => fixed.get(token),
    },
    { timeMs },
  )
  const row = (name: string) => rows.find((r) => r.name.startsWith(name))
  for (const r of rows) if (!r.name.startsWith('raw')) r.roundTrips = trips
  if (httpTrips !== undefined)
    for (const r of rows) if (!r.name.startsWith('raw')) r.httpRequests = httpTrips
  return {
    rows,
    trips,
    httpTrips,
    ratios: {
      [`session get rolling / raw GET (${label})`]: ratio(
        row('session get, rolling'),
        row('raw GET'),
      ),
      [`session get fixed / raw GET (${label})`]: ratio(row('session get, fixed'), row('raw GET')),
    },
  }
}

const scenario: Scenario = {
  name: 'session',
  description:
    'Session reads of @hotpath/session (EVALSHA of the read script: session hash + user epoch, ' +
    'plus the rolling-expiry write when enabled) against a raw GET of a same-size value on the ' +
    'same connection, over TCP and over HTTP through @hotpath/redis-rest. Round trips per read ' +
    'are counted by a wrapper around the RedisClient (and by the REST server for HTTP).',
  async run({ redis: server, timeMs }) {
    const tcp = createTcpRedis(server.url)
    const token = 'bench-token'
    const rest = await startRestServer({ redis: server.url, token, port: 0 })
    const http = createUpstashRedis({ url: rest.url, token })
    try {
      const onTcp = await runOn('tcp', tcp, timeMs)
      const onHttp = await runOn('http', http, timeMs, () => rest.requests)
      const rows: Row[] = [...onTcp.rows, ...onHttp.rows]
      const ratios = {
        'round trips per session read (tcp)': onTcp.trips,
        'round trips per session read (http)': onHttp.httpTrips ?? onHttp.trips,
        ...onTcp.ratios,
        ...onHttp.ratios,
      }
      return {
        rows,
        ratios,
        goals: {
          'round trips per session read (tcp)': '= 1',
          'round trips per session read (http)': '= 1',
        },
        notes: [
          'A session read runs one Lua script: it checks the session and the user revocation epoch ' +
            'and, when rolling, extends the expiry of the session, the user index and the epoch.',
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
