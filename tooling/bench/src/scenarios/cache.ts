import { createCache } from '@hotpath/cache'
import { createClient, type Transport } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { Redis } from 'ioredis'
import { measureInterleaved, type Row, ratio, round, type Scenario } from '../scenario.ts'

const VALUE = { id: 42, name: 'Ada Lovelace', tier: 'pro', flags: ['beta', 'early'], score: 9.5 }
const CLIENTS = 10
const CALLERS = 100
const STAMPEDE_ROUNDS = 5
const LOADER_MS = 50

/** The value text of a stored entry (after its header line), for the parse-only anchor. */
const payloadOf = (raw: string | null) => (raw ?? '').slice((raw ?? '').indexOf('\n') + 1)

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * A transport that answers GET at once from `stored`, so a call's time is the CPU of the
 * client and cache layers alone, without the socket, the server or the wake-up after a reply.
 */
function instantTransport(stored: Map<string, string>): Transport {
  const reply = (command: readonly (string | number)[]) =>
    Promise.resolve(command[0] === 'GET' ? (stored.get(String(command[1])) ?? null) : 'OK')
  return {
    driver: 'instant',
    send: reply,
    pipeline: async (commands) =>
      (await Promise.all(commands.map(reply))).map((value) => ({ ok: true, value })),
    masters: async () => [reply],
    subscribe: async () => async () => {},
    close: async () => {},
  }
}

/**
 * CPU per call of sequential calls on an instant transport: rounds of `batch` calls per task,
 * the tasks' rounds interleaved so drift hits all alike; the median round per task.
 */
async function cpuPerCall(
  tasks: Record<string, () => Promise<unknown>>,
  { rounds, batch }: { rounds: number; batch: number },
): Promise<Row[]> {
  const entries = Object.entries(tasks)
  for (const [, fn] of entries) for (let i = 0; i < batch; i++) await fn()
  const perCall = entries.map((): number[] => [])
  for (let round = 0; round < rounds; round++) {
    for (const [index, [, fn]] of entries.entries()) {
      const start = performance.now()
      for (let i = 0; i < batch; i++) await fn()
      perCall[index]?.push(((performance.now() - start) * 1000) / batch)
    }
  }
  return entries.map(([name], index) => {
    const sorted = (perCall[index] ?? []).sort((a, b) => a - b)
    return { name, cpuUsPerCall: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN) }
  })
}

/** bentocache with its Redis (L2) layer only: what many short-lived instances without a bus get. */
function bentoL2(connection: Redis, prefix: string) {
  return new BentoCache({
    default: 'redis',
    prefix,
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection })) },
  })
}

/**
 * getOrSet hits against a raw GET on the same ioredis connection, against bentocache's
 * L2-only getOrSet on the same Redis, tagged against untagged, and loader runs when 10
 * separate clients × 100 callers miss one cold key at once.
 */
const scenario: Scenario = {
  name: 'cache',
  description:
    'getOrSet() hit ops/s (with and without reuse of the last decoded value) against the raw ioredis GET of the same entry on the same connection and against bentocache (L2 Redis layer only) getOrSet on the same Redis; a read with two tags against an untagged one; and loader runs when 10 clients × 100 concurrent callers miss one cold key (50 ms loader), hotpath against bentocache.',
  async run({ redis: server, timeMs }) {
    const ioredis = new Redis(server.url)
    const driver = createTcpRedis({ connection: ioredis })
    const cache = createCache({ redis: driver, prefix: 'bench' })
    const parsing = createCache({ redis: driver, prefix: 'bench', reuseDecoded: false })
    const bento = bentoL2(ioredis, 'bento')
    const loader = () => VALUE
    await cache.getOrSet('bench:hit', loader, { ttl: 3600 })
    await cache.getOrSet('bench:tagged', loader, { ttl: 3600, tags: ['products', 'user:42'] })
    await bento.getOrSet({ key: 'hit', factory: loader, ttl: '1h' })
    if ((await cache.get<typeof VALUE>('bench:hit'))?.id !== 42) throw new Error('no hotpath hit')

    const tasks = {
      'raw GET (ioredis)': () => ioredis.get('bench:hit'),
      'driver GET (@hotpath/redis tcp)': () => driver.get('bench:hit'),
      'getOrSet hit (hotpath)': () => cache.getOrSet('bench:hit', loader, { ttl: 3600 }),
      'getOrSet hit, reuseDecoded off (hotpath)': () =>
        parsing.getOrSet('bench:hit', loader, { ttl: 3600 }),
      'raw GET + JSON.parse (ioredis)': () =>
        ioredis.get('bench:hit').then((raw) => JSON.parse(payloadOf(raw))),
      'getOrSet hit (bentocache L2)': () =>
        bento.getOrSet({ key: 'hit', factory: loader, ttl: '1h' }),
      'getOrSet hit, 2 tags (hotpath)': () =>
        cache.getOrSet('bench:tagged', loader, { ttl: 3600, tags: ['products', 'user:42'] }),
    }
    // Interleaved call by call: the machine's drift hits every row alike (see scenario.ts).
    const rows: Row[] = await measureInterleaved(tasks, { timeMs: timeMs * 5 })

    // CPU of the layers alone: the same entry served by a transport that answers at once.
    const stored = new Map([['bench:hit', (await ioredis.get('bench:hit')) ?? '']])
    const instant = createClient(instantTransport(stored))
    const instantCache = createCache({ redis: instant, prefix: 'bench' })
    const instantParsing = createCache({ redis: instant, prefix: 'bench', reuseDecoded: false })
    rows.push(
      ...(await cpuPerCall(
        {
          'CPU: driver GET, instant transport': () => instant.get('bench:hit'),
          'CPU: getOrSet hit, instant transport': () =>
            instantCache.getOrSet('bench:hit', loader, { ttl: 3600 }),
          'CPU: getOrSet hit, reuseDecoded off, instant transport': () =>
            instantParsing.getOrSet('bench:hit', loader, { ttl: 3600 }),
        },
        { rounds: 15, batch: Math.max(1000, timeMs * 10) },
      )),
    )

    // Cold stampede: each client is its own connection and its own cache instance.
    const connections = Array.from({ length: CLIENTS }, () => new Redis(server.url))
    const hotpaths = connections.map((connection) =>
      createCache({ redis: createTcpRedis({ connection }), prefix: 'bench' }),
    )
    const bentos = connections.map((connection) => bentoL2(connection, 'bento'))
    let hotpathRuns = 0
    let bentoRuns = 0
    for (let round = 0; round < STAMPEDE_ROUNDS; round++) {
      const key = `cold:${round}:${Date.now()}`
      await Promise.all(
        hotpaths.flatMap((instance) =>
          Array.from({ length: CALLERS }, () =>
            instance.getOrSet(`bench:${key}`, async () => {
              hotpathRuns++
              await sleep(LOADER_MS)
              return VALUE
            }),
          ),
        ),
      )
      await Promise.all(
        bentos.flatMap((instance) =>
          Array.from({ length: CALLERS }, () =>
            instance.getOrSet({
              key,
              ttl: '1h',
              factory: async () => {
                bentoRuns++
                await sleep(LOADER_MS)
                return VALUE
              },
            }),
          ),
        ),
      )
    }
    rows.push(
      {
        name: 'cold stampede loader runs per key (hotpath)',
        loaderRuns: hotpathRuns / STAMPEDE_ROUNDS,
      },
      {
        name: 'cold stampede loader runs per key (bentocache L2)',
        loaderRuns: bentoRuns / STAMPEDE_ROUNDS,
      },
    )

    await Promise.all([bento.disconnect(), ...bentos.map((instance) => instance.disconnect())])
    for (const connection of [ioredis, ...connections]) connection.disconnect()
    const row = (name: string) => rows.find((r) => r.name === name)
    return {
      rows,
      ratios: {
        'getOrSet hit / raw GET': ratio(row('getOrSet hit (hotpath)'), row('raw GET (ioredis)')),
        'getOrSet hit / @hotpath/redis driver GET': ratio(
          row('getOrSet hit (hotpath)'),
          row('driver GET (@hotpath/redis tcp)'),
        ),
        'getOrSet hit, reuseDecoded off / raw GET': ratio(
          row('getOrSet hit, reuseDecoded off (hotpath)'),
          row('raw GET (ioredis)'),
        ),
        'raw GET + JSON.parse / raw GET': ratio(
          row('raw GET + JSON.parse (ioredis)'),
          row('raw GET (ioredis)'),
        ),
        'getOrSet hit hotpath / bentocache L2': ratio(
          row('getOrSet hit (hotpath)'),
          row('getOrSet hit (bentocache L2)'),
        ),
        'tagged / untagged hit': ratio(
          row('getOrSet hit, 2 tags (hotpath)'),
          row('getOrSet hit (hotpath)'),
        ),
        'cold stampede loader runs hotpath / bentocache': hotpathRuns / Math.max(1, bentoRuns),
        'CPU µs per hit above the driver GET (instant transport)': round(
          Number(row('CPU: getOrSet hit, instant transport')?.cpuUsPerCall) -
            Number(row('CPU: driver GET, instant transport')?.cpuUsPerCall),
        ),
      },
      goals: {
        'getOrSet hit / raw GET': '>= 0.95',
        'getOrSet hit / @hotpath/redis driver GET': '>= 0.95',
        'cold stampede loader runs hotpath / bentocache': '1 vs 10 (0.1)',
      },
      notes: [
        `Stampede: ${CLIENTS} clients × ${CALLERS} concurrent callers, ${STAMPEDE_ROUNDS} cold keys, ${LOADER_MS} ms loader; figures are loader runs per key.`,
        'A tagged hit is one MGET (entry + one token key per tag) instead of one GET.',
        'Hit rows are measured interleaved, one call of each task per turn in a fresh shuffled order, so drift on the shared machine and whatever a call leaves behind hit every row alike; ops/s is calls over the time inside them.',
        'The bench reads one hot key, so the default getOrSet reuses the value it decoded last (reuseDecoded: a copy instead of JSON.parse); the reuseDecoded-off row parses every hit, as a read of a key whose value changed does.',
        'raw GET + JSON.parse is the floor of any cache that returns a parsed object over this connection.',
        'The driver row isolates the @hotpath/redis client layer (timeout, breaker, stats) from the cache layer. It can beat the raw row: ioredis get() goes through its generic command function (rest arguments, an options object, the auto-pipelining check), while the tcp driver hands a standalone connection its Command directly (under the lower-case name ioredis itself uses) and fails it itself at the deadline.',
        'The issue names the anchor "raw driver GET on the same connection": both the driver GET and the raw ioredis GET under it are reported, each with the 0.95 goal.',
        'CPU rows: the same calls on a transport that answers at once, so only the client and cache layers are timed (median of 15 interleaved rounds).',
        'The raw GET returns the stored string untouched; getOrSet also reads the entry header and returns a value of its own to each caller (decoded, or copied from the last decoding of the same text).',
      ],
    }
  },
}

export default scenario
