import { createMemoryRedis } from '@hotpath/redis/memory'
const which = process.argv[2]
const mod = await import(which === 'old' ? './src/index.ts' : '../src/index.ts')
const redis = createMemoryRedis({ namespace: `m${Math.random()}` })
const cache = mod.createCache({ redis, l1: true })
await cache.l1Ready()
const VALUE = { id: 42, name: 'Ada Lovelace', tier: 'pro', flags: ['beta', 'early'], score: 9.5 }
await cache.set('k', VALUE)
await new Promise((r) => setTimeout(r, 100))
const loader = () => VALUE
const N = 200_000
const res: number[] = []
for (let r = 0; r < 9; r++) {
  const t = performance.now()
  for (let i = 0; i < N; i++) await cache.getOrSet('k', loader)
  res.push(((performance.now() - t) * 1000) / N)
}
res.sort((a, b) => a - b)
console.log(which, 'L1 µs/hit median', res[4].toFixed(3), 'min', res[0].toFixed(3), JSON.stringify(cache.l1Stats().hits))
await cache.close(); await redis.close(); process.exit(0)
