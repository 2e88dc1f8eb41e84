import { createCacheHelpers, serialize } from '@hotpath/redis'
import { createMemoryRedis } from '@hotpath/redis/memory'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { Redis } from 'ioredis'
import RedisMock from 'ioredis-mock'
import { measureInterleaved, type Row, ratio, type Scenario } from '../scenario.ts'

const KEY = 'bench:get-cache:user'
const VALUE = { id: 42, name: 'Ada Lovelace', tier: 'pro', flags: ['beta', 'early'], score: 9.5 }

/**
 * getCache() does everything raw GET does plus hotpath's work: timeout, breaker, stats and
 * JSON parsing. Both run on the same connection, so the ratio is hotpath's overhead alone.
 */
const scenario: Scenario = {
  name: 'redis-get-cache',
  description:
    'getCache() hit ops/s against the raw driver GET on the same connection (ioredis for tcp, ioredis-mock for memory); the value is a small JSON object.',
  async run({ redis: server, timeMs }) {
    const ioredis = new Redis(server.url)
    const tcp = createTcpRedis({ connection: ioredis })
    const mock = new RedisMock()
    const memory = createMemoryRedis({ instance: mock })
    await ioredis.set(KEY, serialize(VALUE))
    await mock.set(KEY, serialize(VALUE))
    const tcpCache = createCacheHelpers(tcp)
    const memoryCache = createCacheHelpers(memory)
    if ((await tcpCache.getCache<typeof VALUE>(KEY))?.id !== 42)
      throw new Error('tcp getCache did not hit')
    if ((await memoryCache.getCache<typeof VALUE>(KEY))?.id !== 42)
      throw new Error('memory getCache did not hit')

    // The machine is shared and its speed drifts within seconds: each pair is measured
    // interleaved, call by call, so the drift hits both rows alike (see scenario.ts).
    const pairs = {
      tcp: {
        'raw GET (ioredis)': () => ioredis.get(KEY),
        'getCache (tcp)': () => tcpCache.getCache(KEY),
      },
      memory: {
        'raw GET (ioredis-mock)': () => mock.get(KEY),
        'getCache (memory)': () => memoryCache.getCache(KEY),
      },
    }
    const rows: Row[] = []
    const ratios: Record<string, number> = {}
    for (const [driver, tasks] of Object.entries(pairs)) {
      const [raw, cached] = await measureInterleaved(tasks, { timeMs: timeMs * 2 })
      for (const row of [raw, cached]) if (row) rows.push(row)
      ratios[`getCache / raw GET (${driver})`] = ratio(cached, raw)
    }
    await tcp.close()
    await memory.close()
    ioredis.disconnect()
    mock.disconnect()
    return {
      rows,
      ratios,
      goals: { 'getCache / raw GET (tcp)': '>= 0.95', 'getCache / raw GET (memory)': '>= 0.95' },
      notes: [
        'getCache parses the JSON the raw GET returns untouched; that parse is included in the ratio.',
        'Each pair is measured interleaved, one call of each in turn, so drift on the shared machine hits both alike; ops/s is calls over the time inside them.',
        'ioredis-mock answers a GET in about a microsecond, so on memory the ratio mostly measures the cost of JSON.parse plus one timed, counted call.',
      ],
    }
  },
}

export default scenario
